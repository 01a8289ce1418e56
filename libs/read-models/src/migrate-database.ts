import { applyMigrations, EVENT_STORE_MIGRATIONS, type MigrationClass } from '@cx/event-store';
import { CreateReadModels1764000000000 } from './migrations/1764000000000-create-read-models';
import { CreateAnalytics1766000000000 } from './migrations/1766000000000-create-analytics';
import { CreateProfileOutbox1767000000000 } from './migrations/1767000000000-create-profile-outbox';

/** Every migration of the database, the event store's first: what every service runs at start. */
export const DATABASE_MIGRATIONS: readonly MigrationClass[] = [
  ...EVENT_STORE_MIGRATIONS,
  CreateReadModels1764000000000,
  CreateAnalytics1766000000000,
  CreateProfileOutbox1767000000000,
];

/** Brings the database to the current schema; safe to call from several processes at once. */
export function migrateDatabase(url: string): Promise<void> {
  return applyMigrations(url, DATABASE_MIGRATIONS);
}
