import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { keystoreUrlFor, prepareKeystore } from '../../libs/event-store/src/keystore';
import { migrateDatabase } from '../../libs/read-models/src/migrate-database';

export interface ScratchDatabase {
  readonly url: string;
  readonly pool: Pool;
  /** Its key store (`<name>_keys`), where the services keep customer data keys too. */
  readonly keystoreUrl: string;
  readonly keyPool: Pool;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run through the jest integration project');
  return url;
}

/**
 * A fresh, migrated database of its own for one test file, on the server the global setup points
 * at, so that positions, checkpoints and keys of these tests are not shared with other suites.
 */
export async function createScratchDatabase(prefix = 'cx_es'): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  await migrateDatabase(url.toString());
  const keystoreUrl = keystoreUrlFor(url.toString());
  await prepareKeystore(keystoreUrl, url.toString());
  const pool = new Pool({ connectionString: url.toString(), max: 12 });
  pool.on('error', () => undefined);
  const keyPool = new Pool({ connectionString: keystoreUrl, max: 4 });
  keyPool.on('error', () => undefined);
  return {
    url: url.toString(),
    pool,
    keystoreUrl,
    keyPool,
    async drop() {
      await pool.end();
      await keyPool.end();
      const cleanup = new Client({ connectionString: serverUrl() });
      await cleanup.connect();
      try {
        await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await cleanup.query(`DROP DATABASE IF EXISTS ${name}_keys WITH (FORCE)`);
      } finally {
        await cleanup.end();
      }
    },
  };
}
