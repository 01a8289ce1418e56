import { readdirSync, rmSync } from 'node:fs';
import { Partitioners, type Kafka } from 'kafkajs';
import { Client, Pool } from 'pg';
import { TOPIC_SPECS, TOPICS } from '@cx/contracts';
import { createKafka, ensureTopics } from '@cx/messaging';
import { keystoreUrlFor, prepareKeystore } from '@cx/event-store';
import { migrateDatabase } from '@cx/read-models';
import { kafkaLibsDir, startKafka, type KafkaBroker } from '../local/kafka-broker';
import { startPostgres, type PostgresServer } from '../local/postgres';
import { cacheDir } from '../local/repo-root';
import {
  freePort,
  harnessCpuSeconds,
  machineCpuSeconds,
  postgresCpuSeconds,
  processCpuSeconds,
  runningChildren,
  type CpuSource,
} from './processes';
import { retrying, sleep } from './stats';

/** What every stage gets: a scratch database and a broker of the run's own. */
export interface Stack {
  readonly databaseUrl: string;
  readonly brokers: string;
  /** The harness's own connections (reference loops, seeding, counting). */
  readonly pool: Pool;
  /** The key store of the scratch database (customer data keys), as the services use it. */
  readonly keyPool: Pool;
  /** Another pool on the scratch database, for a stage's own concurrency. */
  newPool(max: number): Pool;
  readonly kafka: Kafka;
  readonly versions: { readonly postgres: string; readonly kafka: string };
  /** Environment of a built service on this stack. */
  readonly serviceEnv: Record<string, string>;
  /** The harness, Postgres, the broker and every running child: what a CPU meter reads. */
  cpuSources(): CpuSource[];
  /** Resolves once the database answers again (after a restart by another user of the server). */
  waitForPostgres(): Promise<void>;
  /** Empties every table of the scratch database but its API keys (positions start at 1 again). */
  resetDatabase(): Promise<void>;
  /** Deletes and recreates `cx.touchpoints.v1`, so the next consumer group finds it empty. */
  resetTouchpointTopic(): Promise<void>;
  createTopic(name: string, partitions: number): Promise<void>;
  close(): Promise<void>;
}

function kafkaVersion(): string {
  const jar = readdirSync(kafkaLibsDir()).find((name) => /^kafka_[\d.]+-[\d.]+\.jar$/.test(name));
  return jar?.replace(/^kafka_[\d.]+-/, '').replace(/\.jar$/, '') ?? 'unknown';
}

async function dropDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = target.pathname.slice(1);
  target.pathname = '/postgres';
  const admin = new Client({ connectionString: target.toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/**
 * One idempotent send before any stage: a fresh broker answers the first producer-id request
 * with "coordinator is loading" for a moment, which kafkajs retries but logs as an error.
 */
async function warmUpBroker(brokers: string): Promise<void> {
  const kafka = createKafka(brokers, 'cx-bench-warm-up', { logLevel: 'nothing' });
  // A fresh broker may not know a topic it has just created for a moment: try again.
  await retrying(() =>
    ensureTopics(kafka, [...TOPIC_SPECS, { name: 'bench.warm-up', partitions: 1 }]),
  );
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await retrying(async () => {
    try {
      await producer.connect();
      await producer.send({ topic: 'bench.warm-up', acks: -1, messages: [{ value: 'warm-up' }] });
    } finally {
      await producer.disconnect();
    }
  });
}

/**
 * The machine's own server (tests may be restarting it: wait for it rather than fall back to
 * the embedded one, which would be another Postgres version); `CX_POSTGRES=embedded` chooses the
 * embedded server instead.
 */
function startLocalPostgres(
  database: string,
  log: (line: string) => void,
): Promise<PostgresServer> {
  const mode = process.env.CX_POSTGRES === 'embedded' ? 'embedded' : 'local';
  return retrying(
    () => startPostgres({ database, fresh: true, useEnv: false, mode, log }),
    60,
    1000,
  );
}

export async function startStack(log: (line: string) => void): Promise<Stack> {
  const database = `cx_bench_${process.pid}`;
  const dataDir = cacheDir('bench', `kafka-${process.pid}`);
  const [port, controllerPort] = [await freePort(), await freePort()];
  let broker: KafkaBroker | null = null;
  let databaseUrl: string | null = null;
  // Last resort when the harness dies without closing the stack: no broker outlives it.
  const killBroker = (): void => {
    const pid = broker?.pid() ?? null;
    try {
      if (pid !== null) process.kill(pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('exit', killBroker);
  const cleanUp = async (): Promise<void> => {
    process.off('exit', killBroker);
    await broker?.stop({ hard: true }).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    if (databaseUrl !== null) {
      await dropDatabase(databaseUrl).catch(() => undefined);
      await dropDatabase(keystoreUrlFor(databaseUrl)).catch(() => undefined);
    }
  };
  const [kafkaStart, postgresStart] = await Promise.allSettled([
    startKafka({
      dataDir,
      port,
      controllerPort,
      fresh: true,
      useEnv: false,
      reuseRunning: false,
      log,
    }),
    startLocalPostgres(database, log),
  ]);
  if (kafkaStart.status === 'fulfilled') broker = kafkaStart.value;
  if (postgresStart.status === 'fulfilled') databaseUrl = postgresStart.value.url;
  if (kafkaStart.status === 'rejected') {
    await cleanUp();
    throw kafkaStart.reason;
  }
  if (postgresStart.status === 'rejected') {
    await cleanUp();
    throw postgresStart.reason;
  }
  const url = postgresStart.value.url;
  const brokers = kafkaStart.value.brokers;
  const brokerPid = kafkaStart.value.pid();
  const newPool = (max: number): Pool => {
    const pool = new Pool({ connectionString: url, max });
    // An idle connection cut by a restart of the server (another user of the machine's
    // Postgres may restart it): the pool replaces it, and the stage in flight fails alone.
    pool.on('error', (error) => log(`an idle database connection was lost: ${error.message}`));
    return pool;
  };
  const pool = newPool(12);
  const keyPool = new Pool({ connectionString: keystoreUrlFor(url), max: 8 });
  keyPool.on('error', (error) => log(`an idle key store connection was lost: ${error.message}`));
  const kafka = createKafka(brokers, 'cx-bench', { logLevel: 'error' });
  let postgresVersion = 'unknown';
  try {
    await migrateDatabase(url);
    await prepareKeystore(keystoreUrlFor(url), url);
    await warmUpBroker(brokers);
    const { rows } = await pool.query<{ v: string }>(
      "SELECT current_setting('server_version') AS v",
    );
    postgresVersion = rows[0]?.v ?? postgresVersion;
  } catch (error) {
    await pool.end().catch(() => undefined);
    await keyPool.end().catch(() => undefined);
    await cleanUp();
    throw error;
  }

  const createTopic = async (name: string, partitions: number): Promise<void> => {
    await ensureTopics(kafka, [{ name, partitions }]);
  };

  return {
    databaseUrl: url,
    brokers,
    pool,
    keyPool,
    newPool,
    kafka,
    versions: { postgres: postgresVersion, kafka: kafkaVersion() },
    serviceEnv: { DATABASE_URL: url, KAFKA_BROKERS: brokers },
    cpuSources: () => [
      { name: 'machine', read: machineCpuSeconds },
      { name: 'bench', read: harnessCpuSeconds },
      { name: 'pg', read: postgresCpuSeconds },
      { name: 'kafka', read: () => (brokerPid === null ? null : processCpuSeconds(brokerPid)) },
      ...runningChildren().map((child) => ({
        name: child.name,
        read: () => processCpuSeconds(child.pid),
      })),
    ],
    waitForPostgres: () => retrying(() => pool.query('SELECT 1'), 240, 500).then(() => undefined),
    resetDatabase: async () => {
      const { rows: tables } = await pool.query<{ name: string }>(
        `SELECT quote_ident(tablename) AS name FROM pg_tables
          WHERE schemaname = 'public' AND tablename NOT IN ('schema_migrations', 'api_keys')`,
      );
      await pool.query(`TRUNCATE ${tables.map((t) => t.name).join(', ')} RESTART IDENTITY`);
      await keyPool.query('TRUNCATE customer_keys');
    },
    resetTouchpointTopic: async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.deleteTopics({ topics: [TOPICS.touchpoints], timeout: 30_000 });
        const spec = TOPIC_SPECS.filter((s) => s.name === TOPICS.touchpoints);
        // Deletion finishes in the background; creation fails until it has.
        for (let attempt = 0; attempt < 150; attempt++) {
          try {
            if (!(await admin.listTopics()).includes(TOPICS.touchpoints)) {
              await ensureTopics(admin, spec);
              return;
            }
          } catch {
            // Not deleted yet, whatever the broker says; try again.
          }
          await sleep(200);
        }
        throw new Error(`${TOPICS.touchpoints} could not be recreated within 30 s`);
      } finally {
        await admin.disconnect();
      }
    },
    createTopic,
    close: async () => {
      await pool.end().catch(() => undefined);
      await keyPool.end().catch(() => undefined);
      await cleanUp();
    },
  };
}
