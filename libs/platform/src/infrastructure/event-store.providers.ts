import type { FactoryProvider } from '@nestjs/common';
import type { Pool } from 'pg';
import { EventStore } from '@cx/event-store';
import { PersonalDataCipher } from '@cx/event-store';

/**
 * `PersonalDataCipher` and `EventStore` over the pool registered under `poolToken`. Without a
 * master key the cipher falls back to its own default (`CX_MASTER_KEY`, then the development key).
 */
export function eventStoreProviders(
  poolToken: symbol,
  masterKey: string | undefined,
): [FactoryProvider<PersonalDataCipher>, FactoryProvider<EventStore>] {
  return [
    {
      provide: PersonalDataCipher,
      inject: [poolToken],
      useFactory: (pool: Pool): PersonalDataCipher =>
        new PersonalDataCipher(pool, masterKey ? { masterKey } : {}),
    },
    {
      provide: EventStore,
      inject: [poolToken, PersonalDataCipher],
      useFactory: (pool: Pool, cipher: PersonalDataCipher): EventStore =>
        new EventStore(pool, cipher),
    },
  ];
}
