import { Client } from 'pg';
import { DataSource, type MigrationInterface } from 'typeorm';
import { CreateEventStore1763900000000 } from './migrations/1763900000000-create-event-store';
import { CreateApiKeys1765000000000 } from './migrations/1765000000000-create-api-keys';
import { CreateCustomerErasures1765000000001 } from './migrations/1765000000001-create-customer-erasures';
import { CreateAuditLog1765000000002 } from './migrations/1765000000002-create-audit-log';
import { CreateConsentEvents1765000000003 } from './migrations/1765000000003-create-consent-events';
import { AddTouchpointTraceContext1765000000004 } from './migrations/1765000000004-add-touchpoint-trace-context';
import { AddConsentTransaction1765000000005 } from './migrations/1765000000005-add-consent-transaction';
import { CreateDeadLetters1765000000006 } from './migrations/1765000000006-create-dead-letters';

export type MigrationClass = new () => MigrationInterface;

/** The event store's migrations, in order. Listed explicitly: nothing picked up by accident. */
export const EVENT_STORE_MIGRATIONS: readonly MigrationClass[] = [
  CreateEventStore1763900000000,
  CreateApiKeys1765000000000,
  CreateCustomerErasures1765000000001,
  CreateAuditLog1765000000002,
  CreateConsentEvents1765000000003,
  AddTouchpointTraceContext1765000000004,
  AddConsentTransaction1765000000005,
  CreateDeadLetters1765000000006,
];

/** Serialises migration runs of several services starting at once against one database. */
const MIGRATION_LOCK_KEY = 0x63786d69; // 'cxmi'

function createDataSource(url: string, migrations: readonly MigrationClass[]): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations: [...migrations],
    migrationsTableName: 'schema_migrations',
    entities: [],
    logging: false,
  });
}

/**
 * Applies the pending ones of `migrations` (each in its own transaction); safe to call from
 * several processes at the same time.
 */
export async function applyMigrations(
  url: string,
  migrations: readonly MigrationClass[],
): Promise<void> {
  const lock = new Client({ connectionString: url });
  // A connection lost meanwhile fails the query in flight, which reaches the caller; without a
  // listener its 'error' event would end the process instead.
  lock.on('error', () => undefined);
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const dataSource = createDataSource(url, migrations);
    await dataSource.initialize();
    try {
      await dataSource.runMigrations({ transaction: 'each' });
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await lock.end();
  }
}
