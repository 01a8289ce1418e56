import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { CreateEventStore1763900000000 } from './migrations/1763900000000-create-event-store';
import { CreateReadModels1764000000000 } from './migrations/1764000000000-create-read-models';

/** Every migration, in order. Listed explicitly: no glob, nothing picked up by accident. */
export const MIGRATIONS = [CreateEventStore1763900000000, CreateReadModels1764000000000];

/** Serialises migration runs of several services starting at once against one database. */
const MIGRATION_LOCK_KEY = 0x63786d69; // 'cxmi'

export function createDataSource(url: string): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    entities: [],
    logging: false,
  });
}

/** Applies pending migrations; safe to call from several processes at the same time. */
export async function runMigrations(url: string): Promise<void> {
  const lock = new Client({ connectionString: url });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const dataSource = createDataSource(url);
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
