import { Client } from 'pg';

/**
 * Where the customers' data keys live: a database of their own, beside the event store rather than
 * in it. Crypto-shredding is only as good as the deletion of the key, and a dump of the event
 * store taken before an erasure still holds whatever the database held then: with the keys apart,
 * that dump holds ciphertext only, and the erased customer's key exists nowhere once deleted from
 * here. The one copy erasure cannot reach is a backup of this small database itself, so it should
 * be kept briefly or not at all (losing it loses every customer's personal data, nothing else).
 */
export function keystoreUrlFor(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
  url.pathname = `/${encodeURIComponent(`${name}_keys`)}`;
  return url.toString();
}

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

/** Whether two URLs name the same database (then the keys share the event store's dumps). */
export function sameDatabase(a: string, b: string): boolean {
  const [x, y] = [new URL(a), new URL(b)];
  return x.host === y.host && databaseName(a) === databaseName(b);
}

/** Serialises key-store preparation of services starting together (CREATE DATABASE races). */
const KEYSTORE_LOCK = 0x63786b73; // 'cxks'

const CUSTOMER_KEYS_DDL = `
  CREATE TABLE IF NOT EXISTS customer_keys (
    customer_id  TEXT PRIMARY KEY,
    key_id       TEXT NOT NULL,
    wrapped_key  BYTEA NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    forgotten_at TIMESTAMPTZ NULL,
    CONSTRAINT customer_keys_forgotten_means_no_key
      CHECK ((wrapped_key IS NULL) = (forgotten_at IS NOT NULL))
  )`;

async function connected(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

function pgCode(error: unknown): string | undefined {
  return (error as { code?: string } | null)?.code;
}

async function ensureDatabase(keystoreUrl: string): Promise<void> {
  try {
    await (await connected(keystoreUrl)).end();
    return;
  } catch (error) {
    if (pgCode(error) !== '3D000') throw error; // anything but "database does not exist"
  }
  const maintenance = new URL(keystoreUrl);
  maintenance.pathname = '/postgres';
  const admin = await connected(maintenance.toString());
  try {
    const name = databaseName(keystoreUrl).replace(/"/g, '""');
    await admin.query(`CREATE DATABASE "${name}"`);
  } catch (error) {
    if (pgCode(error) !== '42P04') {
      throw new Error(
        `cannot create the key database ${databaseName(keystoreUrl)} (${String(error)}): ` +
          'create it, or name an existing one in CX_KEYSTORE_URL',
      );
    }
  } finally {
    await admin.end();
  }
}

/**
 * Brings the key store up: creates its database when missing (the default one sits beside the
 * event store's), its table, and moves the keys an earlier version kept in the event store's own
 * database over to it, dropping them there. Safe to run from several processes at once.
 */
export async function prepareKeystore(keystoreUrl: string, databaseUrl: string): Promise<void> {
  const main = await connected(databaseUrl);
  try {
    await main.query('SELECT pg_advisory_lock($1)', [KEYSTORE_LOCK]);
    if (!sameDatabase(keystoreUrl, databaseUrl)) await ensureDatabase(keystoreUrl);
    const keystore = await connected(keystoreUrl);
    try {
      await keystore.query(CUSTOMER_KEYS_DDL);
      if (sameDatabase(keystoreUrl, databaseUrl)) return;
      const legacy = await main.query<{ present: boolean }>(
        `SELECT to_regclass('public.customer_keys') IS NOT NULL AS present`,
      );
      if (legacy.rows[0]?.present !== true) return;
      const { rows } = await main.query<Record<string, unknown>>(
        'SELECT customer_id, key_id, wrapped_key, created_at, forgotten_at FROM customer_keys',
      );
      if (rows.length > 0) {
        await keystore.query(
          `INSERT INTO customer_keys (customer_id, key_id, wrapped_key, created_at, forgotten_at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::timestamptz[], $5::timestamptz[])
           ON CONFLICT (customer_id) DO NOTHING`,
          ['customer_id', 'key_id', 'wrapped_key', 'created_at', 'forgotten_at'].map((c) =>
            rows.map((r) => r[c]),
          ),
        );
      }
      // Only once every key is safely in the key store does the old copy go.
      await main.query('DROP TABLE customer_keys');
    } finally {
      await keystore.end();
    }
  } finally {
    await main.query('SELECT pg_advisory_unlock($1)', [KEYSTORE_LOCK]).catch(() => undefined);
    await main.end();
  }
}
