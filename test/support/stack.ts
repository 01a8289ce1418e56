import {
  pauseKafkaBroker,
  resumeKafkaBroker,
  startKafka as startBroker,
  stopKafkaBroker,
} from '../../infra/local/kafka-broker';
import {
  pausePostgresServer as pauseServer,
  restartPostgres as restartServer,
  resumePostgresServer as resumeServer,
  startPostgresServer as startServer,
  stopPostgresServer as stopServer,
} from '../../infra/local/postgres';
import { STACK_ENV, postgresTargetFromEnv, requireEnv } from './stack-env';

/**
 * Outage helpers for integration tests. They act on the stack the global setup started, from
 * the test worker: the broker is found through its data folder (pid and config recorded there).
 * They fail clearly when the stack is external (`KAFKA_BROKERS` / `DATABASE_URL` given).
 */

export function kafkaBrokers(): string {
  return requireEnv(STACK_ENV.kafkaBrokers);
}

export function databaseUrl(): string {
  return requireEnv(STACK_ENV.databaseUrl);
}

function kafkaDataDir(): string {
  const dataDir = process.env[STACK_ENV.kafkaDataDir];
  if (!dataDir) {
    throw new Error('The Kafka broker is external (KAFKA_BROKERS was given): it cannot be stopped');
  }
  return dataDir;
}

/** Stops the broker; `hard` kills it (SIGKILL) like a crash. Resolves once it is gone. */
export async function stopKafka(options: { hard?: boolean } = {}): Promise<void> {
  await stopKafkaBroker(kafkaDataDir(), options);
}

/** Starts the broker again on the same data and waits until it answers. */
export async function startKafka(): Promise<void> {
  await startBroker({
    useEnv: false,
    dataDir: kafkaDataDir(),
    port: Number(requireEnv(STACK_ENV.kafkaPort)),
    reuseRunning: true,
  });
}

export async function restartKafka(options: { hard?: boolean } = {}): Promise<void> {
  await stopKafka(options);
  await startKafka();
}

/** Restarts Postgres (every connection is cut) and waits until it accepts connections again. */
export async function restartPostgres(): Promise<void> {
  await restartServer(postgresTargetFromEnv());
}

/** Stops Postgres (`immediate` by default: like a crash, every connection cut). */
export async function stopPostgres(options: { mode?: 'immediate' | 'fast' } = {}): Promise<void> {
  await stopServer(postgresTargetFromEnv(), options);
}

/** Starts Postgres again and waits until it accepts connections. */
export async function startPostgres(): Promise<void> {
  await startServer(postgresTargetFromEnv());
}

/** Freezes Postgres (SIGSTOP to the postmaster and its children); returns the stopped pids. */
export async function pausePostgres(): Promise<number[]> {
  return pauseServer(postgresTargetFromEnv());
}

/** Wakes Postgres paused by `pausePostgres` (SIGCONT). */
export async function resumePostgres(paused: readonly number[] = []): Promise<void> {
  await resumeServer(postgresTargetFromEnv(), paused);
}

/** Freezes the broker (SIGSTOP); it answers nothing until `resumeKafka`. */
export function pauseKafka(): void {
  pauseKafkaBroker(kafkaDataDir());
}

/** Wakes the broker paused by `pauseKafka` (SIGCONT). */
export function resumeKafka(): void {
  resumeKafkaBroker(kafkaDataDir());
}

/** Where Postgres runs for this test run: `local`, `embedded` or `external`. */
export function postgresMode(): 'local' | 'embedded' | 'external' {
  return postgresTargetFromEnv().mode;
}
