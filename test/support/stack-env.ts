import type { PostgresRestartTarget } from '../../infra/local/postgres';

/**
 * What the global setup (jest's main process) tells the test workers (other processes) about
 * the stack it started, through the environment workers inherit.
 */
export const STACK_ENV = {
  kafkaBrokers: 'KAFKA_BROKERS',
  databaseUrl: 'DATABASE_URL',
  /** Set when the setup started the broker itself, so workers may stop and start it. */
  kafkaDataDir: 'CX_TEST_KAFKA_DATA_DIR',
  kafkaPort: 'CX_TEST_KAFKA_PORT',
  /** The claimed test slot's broker folder, released by the teardown. */
  slotDir: 'CX_TEST_SLOT_DIR',
  /** JSON `PostgresRestartTarget`. */
  postgresTarget: 'CX_TEST_POSTGRES_TARGET',
} as const;

export const TEST_KAFKA_PORT = 19092;
export const TEST_DATABASE = 'cx_test';

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run this test in jest's "integration" project, whose global setup starts the stack`,
    );
  }
  return value;
}

export function postgresTargetFromEnv(): PostgresRestartTarget {
  return JSON.parse(requireEnv(STACK_ENV.postgresTarget)) as PostgresRestartTarget;
}
