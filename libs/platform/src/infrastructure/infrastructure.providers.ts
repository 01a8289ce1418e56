import { Logger, type FactoryProvider } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { createKafka } from '@cx/messaging';

export interface PgPoolProviderOptions {
  readonly connectionString: string;
  readonly max: number;
  /** Runs before the pool exists (migrations), so no request or batch ever meets an old schema. */
  readonly prepare: (connectionString: string) => Promise<unknown>;
}

const poolLogger = new Logger('pg');

/** The service's pg pool under `token`, created once `prepare` has finished. */
export function pgPoolProvider(
  token: symbol,
  options: PgPoolProviderOptions,
): FactoryProvider<Pool> {
  return {
    provide: token,
    useFactory: async (): Promise<Pool> => {
      await options.prepare(options.connectionString);
      const pool = new Pool({ connectionString: options.connectionString, max: options.max });
      // An idle client's error (a Postgres restart) must not end the process, as an unhandled
      // 'error' event would: the next query meets the outage and the callers' retries take over.
      pool.on('error', (error) =>
        poolLogger.warn(`idle database connection lost: ${error.message}`),
      );
      return pool;
    },
  };
}

export interface KafkaProviderTokens {
  /** The client the service works with (default retries). */
  readonly client: symbol;
  /** A client with no retries and short timeouts, for health probes that must answer fast. */
  readonly probe: symbol;
}

/** The working Kafka client as `clientId` and the probe client as `${clientId}-health`. */
export function kafkaProviders(
  tokens: KafkaProviderTokens,
  brokers: string,
  clientId: string,
): FactoryProvider<Kafka>[] {
  return [
    { provide: tokens.client, useFactory: (): Kafka => createKafka(brokers, clientId) },
    {
      provide: tokens.probe,
      useFactory: (): Kafka =>
        createKafka(brokers, `${clientId}-health`, {
          retry: { retries: 0 },
          connectionTimeoutMs: 1000,
          requestTimeoutMs: 1500,
          logLevel: 'nothing',
        }),
    },
  ];
}
