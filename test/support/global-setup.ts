// Must come first: later imports use the @cx/* aliases.
import './register-aliases';
import { createKafka, ensureTopics } from '@cx/messaging';
import { TOPIC_SPECS } from '@cx/contracts';
import { startKafka, type KafkaBroker } from '../../infra/local/kafka-broker';
import { startPostgres, type PostgresServer } from '../../infra/local/postgres';
import { STACK_ENV } from './stack-env';
import { claimTestSlot, releaseTestSlot } from './test-slot';
import { cacheDir } from '../../infra/local/repo-root';
import { rmSync } from 'node:fs';
import { FAULT_REPORT_ROWS_ENV, faultReportRowsFile } from './fault-report';

export interface TestStack {
  kafka: KafkaBroker;
  postgres: PostgresServer;
}

declare global {
  // Handed from global setup to global teardown (same process).
  var __cxTestStack: TestStack | undefined;
}

const log = (line: string): void => {
  process.stderr.write(`[test stack] ${line}\n`);
};

/**
 * Starts one real Kafka broker (fresh data, port 19092) and a fresh Postgres database `cx_test`
 * (the next slot, 19102 / `cx_test_1`, when another jest run holds those)
 * for the whole integration run, creates the topics, and publishes the addresses to the workers.
 * `KAFKA_BROKERS` / `DATABASE_URL` given from outside are used as they are.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const ownsKafka = !process.env[STACK_ENV.kafkaBrokers] || !!process.env[STACK_ENV.kafkaDataDir];
  const slot = await claimTestSlot();
  const [kafkaResult, postgresResult] = await Promise.allSettled([
    startKafka({
      useEnv: !ownsKafka,
      dataDir: slot.kafkaDataDir,
      port: slot.kafkaPort,
      fresh: true,
      heapMb: 512,
      log,
    }),
    // Its own embedded server (if one is needed), apart from the one `npm start` uses.
    startPostgres({
      database: slot.database,
      fresh: true,
      embeddedDataDir: cacheDir('postgres-test'),
      embeddedPort: 5434,
      log,
    }),
  ]);
  if (kafkaResult.status === 'rejected' || postgresResult.status === 'rejected') {
    // Jest runs no teardown after a failed setup: stop here whatever did start.
    if (kafkaResult.status === 'fulfilled') {
      await kafkaResult.value.stop({ hard: true });
    }
    releaseTestSlot(slot.kafkaDataDir);
    throw kafkaResult.status === 'rejected'
      ? kafkaResult.reason
      : (postgresResult as PromiseRejectedResult).reason;
  }
  const kafka = kafkaResult.value;
  const postgres = postgresResult.value;
  globalThis.__cxTestStack = { kafka, postgres };

  await ensureTopics(
    createKafka(kafka.brokers, 'cx-test-setup', { logLevel: 'error' }),
    TOPIC_SPECS,
  );

  process.env[STACK_ENV.kafkaBrokers] = kafka.brokers;
  process.env[STACK_ENV.databaseUrl] = postgres.url;
  process.env[STACK_ENV.postgresTarget] = JSON.stringify(postgres.restartTarget);
  if (kafka.managed && kafka.dataDir) {
    process.env[STACK_ENV.kafkaDataDir] = kafka.dataDir;
    process.env[STACK_ENV.kafkaPort] = String(slot.kafkaPort);
  }
  process.env[STACK_ENV.slotDir] = slot.kafkaDataDir;
  // Fault tests append their report rows here; the teardown prints and writes the report.
  process.env[FAULT_REPORT_ROWS_ENV] = faultReportRowsFile();
  rmSync(faultReportRowsFile(), { force: true });
  log(
    `slot ${slot.index} ready in ${((Date.now() - started) / 1000).toFixed(1)} s: Kafka ${kafka.brokers}, Postgres ${postgres.mode}`,
  );
}
