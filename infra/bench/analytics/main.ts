/**
 * `npm run bench:analytics [-- --touchpoints N] [-- --keep]`: fills a scratch database with a
 * year of generated touchpoints, rebuilds the CX analytics from them as production does, then
 * times `GET /v1/metrics` on the built query service beside its HTTP floor and its own SQL, and
 * writes docs/benchmarks/analytics.{md,json}. Exits 0 whatever the figures are.
 */
import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { HttpClient } from '../http-client';
import { builtFile, runningChildren, startChild } from '../processes';
import { machineInfo } from '../report';
import { writeAnalyticsReport, resultTable } from './analytics-report';
import {
  DATASET_SEED,
  datasetShape,
  dropDatabase,
  ensureDatabase,
  filledDataset,
  loadTouchpoints,
  rebuildAnalytics,
  recordDataset,
  type DatasetTimings,
} from './dataset';
import {
  endpointSql,
  explainSql,
  explainWithoutMergeOrHashJoins,
  measureVariants,
  METRICS_CASES,
  SQL_CASE_KEY,
  variants,
  type LatencySettings,
} from './latency';

interface Options {
  readonly touchpoints: number;
  readonly customers: number;
  readonly keep: boolean;
  readonly latency: LatencySettings;
}

/** `--name N` or `--name=N`, a positive integer. */
function intOption(args: readonly string[], name: string, fallback: number): number {
  const at = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (at < 0) return fallback;
  const arg = args[at] ?? '';
  const text = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[at + 1];
  const value = Number(text?.replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`--${name} needs a positive integer, got ${String(text)}`);
  }
  return value;
}

function parseOptions(args: readonly string[]): Options {
  const touchpoints = intOption(args, 'touchpoints', 1_000_000);
  return {
    touchpoints,
    customers: intOption(args, 'customers', Math.max(1, Math.round(touchpoints / 10))),
    keep: args.includes('--keep'),
    latency: {
      clients: intOption(args, 'clients', 8),
      requests: intOption(args, 'requests', 400),
      warmUp: intOption(args, 'warm-up', 100),
      rounds: intOption(args, 'rounds', 3),
      maxRoundSeconds: intOption(args, 'max-round-seconds', 20),
    },
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const log = (line: string): void =>
    console.log(
      `[bench:analytics ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`,
    );
  // The libraries log through Nest; only their errors belong in a benchmark's output.
  Logger.overrideLogger(['error']);
  const machine = machineInfo();
  log(`${machine.cores} cores (${machine.cpuModel}), load ${machine.loadAverage.join(' ')}`);

  // DATABASE_URL names the server (its database part is replaced by the scratch database's).
  const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const database = options.keep
    ? `cx_bench_analytics_${options.touchpoints}`
    : `cx_bench_analytics_run_${process.pid}`;
  if (!options.keep) await dropDatabase(serverUrl, database);
  let url = await ensureDatabase(serverUrl, database);
  let pool = new Pool({ connectionString: url, max: 2 });
  let sqlPool: Pool | null = null;
  let http: HttpClient | null = null;
  const cleanUp = async (): Promise<void> => {
    http?.close();
    await Promise.all(runningChildren().map((child) => child.stop()));
    await sqlPool?.end().catch(() => undefined);
    await pool.end().catch(() => undefined);
    if (!options.keep) await dropDatabase(serverUrl, database).catch(() => undefined);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
  }

  try {
    let timings = await filledDataset(pool, options.touchpoints);
    const reused = timings !== null;
    if (timings === null) {
      // Whatever an interrupted run left is not the data set: start from an empty database.
      await pool.end();
      await dropDatabase(serverUrl, database);
      url = await ensureDatabase(serverUrl, database);
      pool = new Pool({ connectionString: url, max: 2 });
      log(
        `loading ${options.touchpoints.toLocaleString('en-US')} touchpoints of ` +
          `${options.customers.toLocaleString('en-US')} customers into ${database}`,
      );
      const loadSeconds = await loadTouchpoints(pool, options.touchpoints, options.customers, log);
      log(`load took ${loadSeconds.toFixed(1)} s`);
      const rebuild = await rebuildAnalytics(pool, log);
      log(
        `rebuild took ${rebuild.seconds.toFixed(1)} s (${rebuild.events} events, ` +
          `${(rebuild.events / rebuild.seconds).toFixed(0)} events/s; ledger ` +
          `${rebuild.phases.ledger.toFixed(1)} s, projection ${rebuild.phases.project.toFixed(1)} s, ` +
          `switch-over ${rebuild.phases.switchOver.toFixed(1)} s)`,
      );
      timings = {
        touchpoints: options.touchpoints,
        customers: options.customers,
        seed: DATASET_SEED,
        loadSeconds,
        rebuildSeconds: rebuild.seconds,
        rebuildEvents: rebuild.events,
        rebuildCustomers: rebuild.customers,
        rebuildPhases: rebuild.phases,
        filledAt: new Date().toISOString(),
      } satisfies DatasetTimings;
      await recordDataset(pool, timings);
      // Statistics and visibility maps of everything written, as a database in service has them.
      await pool.query('VACUUM ANALYZE');
    } else {
      log(
        `reusing ${database} (filled ${timings.filledAt}: load ${timings.loadSeconds.toFixed(1)} s, ` +
          `rebuild ${timings.rebuildSeconds.toFixed(1)} s)`,
      );
    }
    const shape = await datasetShape(pool);
    log(`read models: ${JSON.stringify(shape)}`);
    const { rows: version } = await pool.query<{ v: string }>(
      "SELECT current_setting('server_version') AS v",
    );

    const query = await startChild('query', builtFile('apps', 'query', 'src', 'main.js'), {
      DATABASE_URL: url,
      CX_AUTH: 'off',
      CX_RATE_LIMIT_PER_SECOND: '10000000',
      CX_RATE_LIMIT_BURST: '10000000',
    });
    log(`query service on ${query.url}`);
    http = new HttpClient(query.url, options.latency.clients);
    sqlPool = new Pool({ connectionString: url, max: options.latency.clients });
    const explained = METRICS_CASES.find((c) => c.key === SQL_CASE_KEY);
    if (explained === undefined) throw new Error(`no case ${SQL_CASE_KEY}`);
    const sql = await endpointSql(sqlPool, explained);
    const results = await measureVariants(variants(http, sqlPool, sql), options.latency, log);
    const plan = await explainSql(sqlPool, sql);
    const comparison = await explainWithoutMergeOrHashJoins(sqlPool, sql);

    const table = resultTable(results);
    console.log(`\n${table}\n\nEXPLAIN (ANALYZE, BUFFERS) of ${explained.label}:\n${plan}\n`);
    console.log(`The same without merge and hash joins, for comparison:\n${comparison}\n`);
    const files = await writeAnalyticsReport({
      date: new Date().toISOString(),
      command: 'npm run bench:analytics',
      seconds: (performance.now() - started) / 1000,
      machine,
      versions: { node: process.version, postgres: version[0]?.v ?? 'unknown' },
      dataset: { ...timings, reused },
      shape,
      settings: options.latency,
      results,
      explain: { case: explained.label, plan, withoutMergeOrHashJoins: comparison },
    });
    for (const file of files) log(`wrote ${file}`);
  } finally {
    await cleanUp();
  }
  log('done');
}

main().catch((error: unknown) => {
  console.error('bench:analytics: the harness broke:', error);
  process.exitCode = 1;
});
