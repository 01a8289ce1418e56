import type { FactoryProvider } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { createKafka, parseBrokers } from '@cx/messaging';
import { createPgPool } from './pg-pool';

export interface PgPoolProviderOptions {
  readonly connectionString: string;
  readonly max: number;
  /** Runs before the pool exists (migrations), so no request or batch ever meets an old schema. */
  readonly prepare: (connectionString: string) => Promise<unknown>;
}

/**
 * The service's pg pool under `token`, created once `prepare` has finished. A lost connection,
 * idle or checked out, never ends the process (`createPgPool`): the requests in flight fail with
 * 503, readiness probes Postgres, and the pool reconnects once Postgres answers again.
 */
export function pgPoolProvider(
  token: symbol,
  options: PgPoolProviderOptions,
): FactoryProvider<Pool> {
  return {
    provide: token,
    useFactory: async (): Promise<Pool> => {
      await options.prepare(options.connectionString);
      return createPgPool({ connectionString: options.connectionString, max: options.max });
    },
  };
}

export interface KafkaProviderTokens {
  /** The client the service works with (default retries). */
  readonly client: symbol;
  /** A client with short timeouts and one try per broker, for health probes that must answer fast. */
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
          // kafkajs tries the seed brokers in list order from the first for every new client, and
          // rotates only on a retry: one retry per further broker, so a cluster that lost its
          // first-listed broker still answers the probe.
          retry: {
            retries: parseBrokers(brokers).length - 1,
            initialRetryTime: 50,
            maxRetryTime: 100,
          },
          connectionTimeoutMs: 1000,
          requestTimeoutMs: 1500,
          logLevel: 'nothing',
        }),
    },
  ];
}
