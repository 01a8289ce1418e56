import { Client, Pool } from 'pg';
import { createScratchDatabase, touchpoint, type ScratchDatabase } from '../test/scratch-database';
import { EventStore } from './event-store';
import { keystoreUrlFor, prepareKeystore, sameDatabase } from './keystore';
import { PersonalDataCipher } from './personal-data-cipher';

jest.setTimeout(120_000);

/** The customer_keys table as versions before the key store kept it in the event store's database. */
const LEGACY_KEYS_DDL = `
  CREATE TABLE customer_keys (
    customer_id  TEXT PRIMARY KEY,
    key_id       TEXT NOT NULL,
    wrapped_key  BYTEA NULL,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    forgotten_at TIMESTAMPTZ NULL,
    CONSTRAINT customer_keys_forgotten_means_no_key
      CHECK ((wrapped_key IS NULL) = (forgotten_at IS NOT NULL))
  )`;

describe('key store (real Postgres)', () => {
  let db: ScratchDatabase;

  beforeAll(async () => {
    db = await createScratchDatabase('cx_ks');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('names a database of its own beside the event store by default', () => {
    expect(keystoreUrlFor('postgres://u:p@h:5432/cx_journey?sslmode=require')).toBe(
      'postgres://u:p@h:5432/cx_journey_keys?sslmode=require',
    );
    expect(sameDatabase('postgres://h:5432/a', 'postgres://h:5432/a?x=1')).toBe(true);
    expect(sameDatabase('postgres://h:5432/a', 'postgres://h:5432/a_keys')).toBe(false);
  });

  it('keeps no key in the event store database once prepared', async () => {
    const { rows } = await db.pool.query<{ present: boolean }>(
      `SELECT to_regclass('public.customer_keys') IS NOT NULL AS present`,
    );
    expect(rows[0]?.present).toBe(false);
  });

  it('moves the keys an earlier version kept in the event store, so what they sealed still opens', async () => {
    // An event store as an earlier version left it: keys and sealed data in one database.
    const legacy = await createScratchDatabase('cx_ks_legacy');
    const legacyUrl = legacy.url;
    try {
      await legacy.pool.query(LEGACY_KEYS_DDL);
      const before = new EventStore(legacy.pool, new PersonalDataCipher(legacy.pool));
      const sealed = touchpoint('c-legacy', { text: 'from before the move' });
      await before.append([sealed]);
      const forgotten = touchpoint('c-forgotten', { text: 'shredded before the move' });
      await before.append([forgotten]);
      await new PersonalDataCipher(legacy.pool).forget('c-forgotten');
      // Its key store is the default one beside it; start from an empty one.
      await legacy.keyPool.query('TRUNCATE customer_keys');

      await prepareKeystore(keystoreUrlFor(legacyUrl), legacyUrl);

      const { rows } = await legacy.pool.query<{ present: boolean }>(
        `SELECT to_regclass('public.customer_keys') IS NOT NULL AS present`,
      );
      expect(rows[0]?.present).toBe(false);
      const after = new EventStore(legacy.pool, new PersonalDataCipher(legacy.keyPool));
      const [readable] = await after.readCustomerTimeline('c-legacy', { limit: 1 });
      expect(readable).toMatchObject({
        personalData: 'readable',
        touchpoint: { text: 'from before the move' },
      });
      const [shredded] = await after.readCustomerTimeline('c-forgotten', { limit: 1 });
      expect(shredded?.personalData).toBe('forgotten');
      // Preparing again (every service does at start) changes nothing.
      await prepareKeystore(keystoreUrlFor(legacyUrl), legacyUrl);
      const [again] = await after.readCustomerTimeline('c-legacy', { limit: 1 });
      expect(again?.personalData).toBe('readable');
    } finally {
      await legacy.drop();
    }
  });

  it('creates a missing key database, even when several services prepare it at once', async () => {
    const name = `cx_ks_fresh_${process.pid}`;
    const admin = new Client({ connectionString: db.url });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      const url = new URL(db.url);
      url.pathname = `/${name}`;
      await Promise.all([1, 2, 3].map(() => prepareKeystore(url.toString(), db.url)));
      const pool = new Pool({ connectionString: url.toString(), max: 1 });
      const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM customer_keys');
      expect(Number(rows[0]?.n)).toBe(0);
      await pool.end();
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
