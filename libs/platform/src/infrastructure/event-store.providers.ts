import type { FactoryProvider, OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { EventStore, keystoreUrlFor, PersonalDataCipher, prepareKeystore } from '@cx/event-store';
import { AppendMetrics } from '../metrics/pipeline-metrics';
import { createPgPool } from './pg-pool';

/** The key store's pool (customer data keys live in a database of their own). */
export const KEYSTORE_POOL = Symbol('KEYSTORE_POOL');
const KEYSTORE_CLOSER = Symbol('KEYSTORE_CLOSER');

export interface EventStoreProviderOptions {
  readonly databaseUrl: string;
  /** Default: the event store's database name with `_keys`, on the same server. */
  readonly keystoreUrl?: string;
  /** Without one the cipher falls back to `CX_MASTER_KEY`, then to the development key. */
  readonly masterKey?: string;
}

/**
 * The key store's pool, `PersonalDataCipher` and `EventStore`, over the event store's pool
 * registered under `poolToken`. The key store is prepared after that pool exists, that is after
 * the event store's migrations, so that keys an older version kept there can be moved over.
 */
export function eventStoreProviders(
  poolToken: symbol,
  options: EventStoreProviderOptions,
): FactoryProvider[] {
  const keystoreUrl = options.keystoreUrl ?? keystoreUrlFor(options.databaseUrl);
  return [
    {
      provide: KEYSTORE_POOL,
      inject: [poolToken],
      useFactory: async (): Promise<Pool> => {
        await prepareKeystore(keystoreUrl, options.databaseUrl);
        return createPgPool({ connectionString: keystoreUrl, max: 4 });
      },
    },
    {
      provide: KEYSTORE_CLOSER,
      inject: [KEYSTORE_POOL],
      useFactory: (pool: Pool): OnApplicationShutdown => ({
        onApplicationShutdown: () => pool.end(),
      }),
    },
    {
      provide: PersonalDataCipher,
      inject: [KEYSTORE_POOL],
      useFactory: (keyPool: Pool): PersonalDataCipher =>
        new PersonalDataCipher(keyPool, options.masterKey ? { masterKey: options.masterKey } : {}),
    },
    {
      provide: EventStore,
      // Measured where the service provides `AppendMetrics` (ingestion): the one that appends.
      inject: [poolToken, PersonalDataCipher, { token: AppendMetrics, optional: true }],
      useFactory: (
        pool: Pool,
        cipher: PersonalDataCipher,
        metrics: AppendMetrics | undefined,
      ): EventStore => new EventStore(pool, cipher, metrics ?? null),
    },
  ];
}
