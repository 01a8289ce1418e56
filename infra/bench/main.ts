/**
 * `npm run bench` (full) and `npm run bench:quick` (CI): starts a Kafka broker and a scratch
 * Postgres database of its own, measures each stage of the product beside a raw reference doing
 * the same work on the same rows, prints the table and writes it to docs/benchmarks/. Exits 0
 * whatever the figures are; non-zero only when the harness itself could not measure.
 */
import { Logger } from '@nestjs/common';
import { runningChildren } from './processes';
import {
  consoleTable,
  machineInfo,
  mergeIntoPublished,
  sortedByStage,
  writeReport,
  type RunInfo,
  type StageRow,
} from './report';
import { FULL, QUICK } from './settings';
import { startStack, type Stack } from './stack';
import { appendStage } from './stages/append';
import { failedRow, type StageContext } from './stages/common';
import { ingestHttpStage } from './stages/ingest-http';
import { liveStages } from './stages/live-services';
import { profileReadsStage } from './stages/profile-reads';
import { projectorStage } from './stages/projector';
import { rebuildStage } from './stages/rebuild';
import { relayStage } from './stages/relay';

/**
 * In the order they run, which is not the table's: the rebuild leaves the read models that the
 * profile reads clone, and the stages that need an empty touchpoints topic come first.
 */
const STAGES: readonly [string, (ctx: StageContext) => Promise<StageRow[]>][] = [
  ['2. append', appendStage],
  ['3. relay', relayStage],
  ['4. projector catch-up', projectorStage],
  ['1. HTTP ingest', ingestHttpStage],
  ['6. end to end, 7. freshness', liveStages],
  ['5. rebuild', rebuildStage],
  ['8. GET profile', profileReadsStage],
];

/**
 * The machine's Postgres is shared (the test suite restarts it in its outage tests): a stage
 * that lost its connections that way is run once more rather than reported as failed.
 */
function isPostgresRestart(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return (
    (typeof code === 'string' &&
      ['57P01', '57P02', '57P03', 'ECONNREFUSED', 'ECONNRESET'].includes(code)) ||
    /terminating connection|shutting down|starting up|Connection terminated|ECONNRESET|store_unavailable/i.test(
      message,
    )
  );
}

async function main(): Promise<number> {
  const settings = process.argv.includes('--full') ? FULL : QUICK;
  // `--only=5,8` runs some stages (by number) and replaces their rows in the published report.
  const only = process.argv
    .find((arg) => arg.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const stages = STAGES.filter(
    ([name]) =>
      only === undefined || (name.match(/\d+(?=\.)/g) ?? []).some((k) => only.includes(k)),
  );
  const started = performance.now();
  const log = (line: string): void =>
    console.log(
      `[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`,
    );
  // The libraries log through Nest; only their errors belong in a benchmark's output.
  Logger.overrideLogger(['error']);
  const machine = machineInfo();
  log(
    `${settings.mode} run on ${machine.cores} cores (${machine.cpuModel}), load ${machine.loadAverage.join(' ')}`,
  );

  let stack: Stack | null = null;
  const stopAll = async (): Promise<void> => {
    await Promise.all(runningChildren().map((child) => child.stop()));
    await stack?.close();
    stack = null;
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopAll().finally(() => process.exit(130)));
  }
  // An error nobody awaited (a client's event) still gets the broker stopped and the database
  // dropped before the harness goes.
  for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
    process.once(event, (error: unknown) => {
      console.error(`bench: the harness broke (${event}):`, error);
      void stopAll().finally(() => process.exit(1));
    });
  }
  // A stuck stage must not hold CI: past the limit, clean up and leave.
  const limitMinutes = settings.mode === 'quick' ? 5 : 45;
  setTimeout(() => {
    log(`still running after ${limitMinutes} minutes: giving up`);
    void stopAll().finally(() => process.exit(1));
  }, limitMinutes * 60_000).unref();

  const rows: StageRow[] = [];
  try {
    stack = await startStack(log);
    const ctx: StageContext = { stack, settings, log };
    for (const [name, run] of stages) {
      for (let attempt = 1; ; attempt++) {
        try {
          await stack.waitForPostgres();
          rows.push(...(await run(ctx)));
          break;
        } catch (error) {
          if (attempt === 1 && isPostgresRestart(error)) {
            log(`${name} was cut short by a restart of Postgres (shared machine): once more`);
            continue;
          }
          log(
            `${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
          );
          rows.push(failedRow(name, error));
          break;
        } finally {
          await Promise.all(runningChildren().map((child) => child.stop()));
        }
      }
    }
    const info: RunInfo = {
      mode: settings.mode,
      date: new Date().toISOString(),
      seconds: (performance.now() - started) / 1000,
      machine,
      versions: { node: process.version, ...stack.versions },
      settings: { ...settings },
    };
    console.log(`\n${consoleTable(sortedByStage(rows))}\n`);
    // A partial run (`--only`) replaces those stages' rows of the published report.
    const report = only === undefined ? { info, rows } : mergeIntoPublished(info, rows, only);
    for (const file of await writeReport(report.info, sortedByStage(report.rows))) {
      log(`wrote ${file}`);
    }
  } finally {
    await stopAll();
  }
  log('done');
  return rows.some((row) => row.error !== undefined) ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error('bench: the harness broke:', error);
    process.exitCode = 1;
  },
);
