// A benchmark's report is its console output.
/* eslint-disable no-console */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { Partitioners } from 'kafkajs';
import { Pool } from 'pg';
import { categoryOf, type Channel, type Touchpoint } from '@cx/domain';
import { TOPIC_SPECS, TOPICS } from '@cx/contracts';
import { toTouchpointMessage } from '@cx/contracts';
import { createKafka, ensureTopics } from '@cx/messaging';
import { migrateDatabase } from '@cx/read-models';
import { startKafka } from '../../../infra/local/kafka-broker';
import { startPostgres } from '../../../infra/local/postgres';
import { cacheDir, repoRoot } from '../../../infra/local/repo-root';

/**
 * `npm run bench:projector`: a fresh broker (port 29092) and database of its own.
 * 1. Throughput: pre-fills cx.touchpoints.v1 with BENCH_EVENTS events (BENCH_CUSTOMERS customers),
 *    starts the projector and measures events applied per second until the lag is 0.
 * 2. Freshness: ingestion + projector running, one touchpoint every 1/BENCH_RATE s for
 *    BENCH_SECONDS; latency = ingestion's 202 → the touchpoint in the read model (polled).
 */
const EVENTS = Number(process.env.BENCH_EVENTS ?? 60_000);
const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 6_000);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const DAY = 86_400_000;

const on = (channel: Channel): { channel: Channel; category: ReturnType<typeof categoryOf> } => ({
  channel,
  category: categoryOf(channel),
});

function touchpointOf(customer: number, n: number): Touchpoint {
  const customerId = `bench-${String(customer).padStart(6, '0')}`;
  const occurredAt = new Date(Date.UTC(2025, 0, 1) + customer * 3_600_000 + n * DAY).toISOString();
  const base = { touchpointId: `${customerId}-${n}`, customerId, occurredAt };
  switch (n % 5) {
    case 0:
      return {
        ...base,
        ...on('web'),
        interaction: 'exposure',
      };
    case 1:
      return {
        ...base,
        ...on('email'),
        interaction: 'inquiry',
      };
    case 2:
      return {
        ...base,
        ...on('sales'),
        interaction: 'purchase',
      };
    case 3:
      return {
        ...base,
        ...on('web'),
        interaction: 'feedback',
        emotion: n % 2 === 0 ? 'enjoyment' : 'decline',
      };
    default:
      return {
        ...base,
        ...on('web'),
        interaction: 'survey_response',
        survey: { nps: (customer + n) % 11 },
      };
  }
}

function spawnApp(app: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [join(repoRoot(), 'dist', 'apps', app, 'src', 'main.js')], {
    // It measures the projector; the ingestion in front of it runs without access control.
    env: { ...process.env, GRPC_PORT: '0', ...env, KAFKA_LOG_LEVEL: 'error', CX_AUTH: 'off' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

async function until(
  check: () => Promise<boolean>,
  everyMs: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200;
  } catch {
    return false;
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const log = (line: string): void => console.log(`[bench] ${line}`);
  const [broker, postgres] = await Promise.all([
    startKafka({ dataDir: cacheDir('kafka-bench'), port: 29092, fresh: true, useEnv: false, log }),
    startPostgres({ database: 'cx_bench_projector', fresh: true, log }),
  ]);
  const children: ChildProcess[] = [];
  const pool = new Pool({ connectionString: postgres.url, max: 2 });
  try {
    await migrateDatabase(postgres.url);
    const kafka = createKafka(broker.brokers, 'cx-bench', { logLevel: 'error' });
    await ensureTopics(kafka, TOPIC_SPECS);
    const env = { DATABASE_URL: postgres.url, KAFKA_BROKERS: broker.brokers };

    // 1. Pre-fill the topic directly (positions are synthetic; the projector does not read them).
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const perCustomer = Math.max(1, Math.round(EVENTS / CUSTOMERS));
    let position = 0;
    let batch: ReturnType<typeof toTouchpointMessage>[] = [];
    for (let n = 0; n < perCustomer; n++) {
      for (let c = 0; c < CUSTOMERS; c++) {
        position += 1;
        batch.push(
          toTouchpointMessage({
            ...touchpointOf(c, n),
            position,
            recordedAt: new Date().toISOString(),
            personal: null,
          }),
        );
        if (batch.length === 5000) {
          await producer.send({ topic: TOPICS.touchpoints, messages: batch });
          batch = [];
        }
      }
    }
    if (batch.length > 0) await producer.send({ topic: TOPICS.touchpoints, messages: batch });
    await producer.disconnect();
    log(`pre-filled ${position} events for ${CUSTOMERS} customers`);

    const projectorPort = 29302;
    const started = Date.now();
    children.push(spawnApp('projector', { ...env, PORT: String(projectorPort) }));
    let firstAt: number | null = null;
    await until(
      async () => {
        const { rows } = await pool.query<{ n: string }>(
          'SELECT count(*) AS n FROM projection_touchpoints',
        );
        const n = Number(rows[0]?.n ?? 0);
        if (n > 0 && firstAt === null) firstAt = Date.now();
        return n >= position;
      },
      50,
      600_000,
    );
    const done = Date.now();
    const applySeconds = (done - (firstAt ?? started)) / 1000;
    log(
      `throughput: ${position} events applied in ${applySeconds.toFixed(1)} s = ` +
        `${Math.round(position / applySeconds)} events/s (boot to first apply ${(((firstAt ?? done) - started) / 1000).toFixed(1)} s)`,
    );

    // 2. Freshness at a steady rate through ingestion.
    const ingestionPort = 29300;
    children.push(spawnApp('ingestion', { ...env, PORT: String(ingestionPort) }));
    await until(() => ready(ingestionPort), 200, 60_000);
    await until(() => ready(projectorPort), 200, 60_000);
    const pending = new Map<string, number>();
    const latencies: number[] = [];
    let polling = true;
    const poller = (async (): Promise<void> => {
      while (polling || pending.size > 0) {
        if (pending.size > 0) {
          const { rows } = await pool.query<{ touchpoint_id: string }>(
            'SELECT touchpoint_id FROM projection_touchpoints WHERE touchpoint_id = ANY($1::text[])',
            [[...pending.keys()]],
          );
          const now = Date.now();
          for (const r of rows) {
            const t0 = pending.get(r.touchpoint_id);
            if (t0 !== undefined) latencies.push(now - t0);
            pending.delete(r.touchpoint_id);
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const total = RATE * SECONDS;
    const t0 = Date.now();
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / RATE;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const tp = touchpointOf(CUSTOMERS + (i % 500), 100 + Math.floor(i / 500));
      const response = await fetch(`http://127.0.0.1:${ingestionPort}/v1/touchpoints`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(tp),
      });
      if (response.status !== 202) throw new Error(`ingestion answered ${response.status}`);
      pending.set(tp.touchpointId, Date.now());
    }
    polling = false;
    await poller;
    latencies.sort((a, b) => a - b);
    log(
      `freshness at ${RATE}/s for ${SECONDS} s (${latencies.length} touchpoints, 202 → read model, polled every 10 ms): ` +
        `p50 ${percentile(latencies, 50)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies[latencies.length - 1]} ms`,
    );
  } finally {
    // The services leave their groups before the broker goes.
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    await pool.end();
    await broker.stop({ hard: true });
    await postgres.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
