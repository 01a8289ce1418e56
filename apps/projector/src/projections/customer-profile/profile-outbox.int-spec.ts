import { randomBytes } from 'node:crypto';
import { Client, type Pool } from 'pg';
import { categoryOf, type Touchpoint } from '@cx/domain';
import { applyMigrations, EventStore, inTransaction, PersonalDataCipher } from '@cx/event-store';
import {
  CustomerErasure,
  DATABASE_MIGRATIONS,
  migrateDatabase,
  PROFILE_OUTBOX_TABLE,
  ProjectionEngine,
  rebuildProjections,
} from '@cx/read-models';
import {
  createScratchDatabase,
  type ScratchDatabase,
} from '../../../../../test/support/scratch-database';
import { customerProfileProjection } from './customer-profile.projection';

jest.setTimeout(120_000);

interface OutboxRow {
  position: string;
  customer_id: string;
  profile: string | null;
  profile_position: string | null;
  erased_at: Date | null;
  xid: string;
}

const at = (hour: number): string =>
  new Date(Date.UTC(2025, 0, 1) + hour * 3_600_000).toISOString();

function feedback(id: string, customerId: string, hour: number, sentiment: number): Touchpoint {
  return {
    touchpointId: `po-${id}`,
    customerId: `po-${customerId}`,
    occurredAt: at(hour),
    channel: 'chat',
    category: categoryOf('chat'),
    interaction: 'evaluation',
    sentiment,
  };
}

describe('profile outbox writes (real Postgres)', () => {
  let db: ScratchDatabase;
  let pool: Pool;
  let store: EventStore;
  let cipher: PersonalDataCipher;
  let engine: ProjectionEngine;
  /** Rows already inspected: each test looks at what it wrote. */
  let seen = 0;

  /** Appends to the event store, then applies what was appended in one projector transaction. */
  const apply = async (list: readonly Touchpoint[]): Promise<void> => {
    const results = await store.append(list);
    const items = list.map((touchpoint, i) => {
      const position = results[i]?.position;
      if (position === null || position === undefined) throw new Error('not stored');
      return { touchpoint, position };
    });
    await inTransaction(pool, (client) => engine.applyInTransaction(client, items));
  };

  const newRows = async (): Promise<OutboxRow[]> => {
    const { rows } = await pool.query<OutboxRow>(
      `SELECT position, customer_id, profile::text AS profile, profile_position, erased_at,
              xmin::text AS xid
         FROM ${PROFILE_OUTBOX_TABLE} WHERE position > $1 ORDER BY position`,
      [seen],
    );
    const last = rows[rows.length - 1];
    if (last !== undefined) seen = Number(last.position);
    return rows;
  };

  const stored = async (
    customerId: string,
  ): Promise<{ profile: string; last_position: string; xid: string } | undefined> => {
    const { rows } = await pool.query<{ profile: string; last_position: string; xid: string }>(
      `SELECT profile::text AS profile, last_position, xmin::text AS xid
         FROM customer_profiles WHERE customer_id = $1`,
      [customerId],
    );
    return rows[0];
  };

  beforeAll(async () => {
    db = await createScratchDatabase('cx_po');
    pool = db.pool;
    cipher = new PersonalDataCipher(db.keyPool);
    store = new EventStore(pool, cipher);
    engine = new ProjectionEngine(pool, 'profile-outbox-tests', [customerProfileProjection]);
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('writes one row per changed customer, in the transaction that changed the profile', async () => {
    await apply([
      feedback('a1', 'a', 1, 0.5),
      feedback('b1', 'b', 2, -0.4),
      feedback('a2', 'a', 3, 0.9),
      feedback('b2', 'b', 4, 0.1),
    ]);
    const rows = await newRows();
    expect(rows.map((r) => r.customer_id)).toEqual(['po-a', 'po-b']);
    for (const row of rows) {
      const profile = await stored(row.customer_id);
      // The stored text, byte for byte, and the position of the latest touchpoint in it.
      expect(row.profile).toBe(profile?.profile);
      expect(row.profile_position).toBe(profile?.last_position);
      expect(row.xid).toBe(profile?.xid);
      expect(row.erased_at).toBeNull();
    }
    expect(new Set(rows.map((r) => r.xid)).size).toBe(1);
  });

  it('writes nothing when a batch rolls back or is delivered again', async () => {
    const later = feedback('a3', 'a', 5, 0.2);
    const [result] = await store.append([later]);
    const item = { touchpoint: later, position: result?.position ?? 0 };
    await expect(
      inTransaction(pool, async (client) => {
        await engine.applyInTransaction(client, [item]);
        throw new Error('crash before COMMIT');
      }),
    ).rejects.toThrow('crash before COMMIT');
    expect(await newRows()).toEqual([]);

    await inTransaction(pool, (client) => engine.applyInTransaction(client, [item]));
    expect((await newRows()).map((r) => r.customer_id)).toEqual(['po-a']);
    // Redelivered, with the others of the customer: nothing new, nothing written.
    await inTransaction(pool, (client) =>
      engine.applyInTransaction(client, [
        item,
        { touchpoint: feedback('a1', 'a', 1, 0.5), position: 1 },
      ]),
    );
    expect(await newRows()).toEqual([]);
  });

  it('writes a tombstone on erasure, nothing more for the erased customer, the profile again on readmission', async () => {
    const pending = feedback('b3', 'b', 6, 0.7);
    const [result] = await store.append([pending]);
    const erasure = new CustomerErasure(pool, store, cipher, true);
    const outcome = await erasure.erase('po-b', 'tests');
    expect(outcome.performed).toBe(true);
    const [tombstone, ...others] = await newRows();
    expect(others).toEqual([]);
    expect(tombstone).toMatchObject({ customer_id: 'po-b', profile: null, profile_position: null });
    expect(tombstone?.erased_at?.toISOString()).toBe(outcome.receipt.erasedAt);
    const { rows: erasedEvent } = await pool.query<{ xid: string }>(
      `SELECT xmin::text AS xid FROM insight_outbox WHERE customer_id = 'po-b' AND event_type = $1`,
      ['cx.customer.erased.v1'],
    );
    expect(erasedEvent.map((r) => r.xid)).toEqual([tombstone?.xid]);
    // Asking again changes nothing.
    expect((await erasure.erase('po-b', 'tests')).performed).toBe(false);
    expect(await newRows()).toEqual([]);

    // A touchpoint accepted before the erasure and projected after it: the tombstone stands.
    await inTransaction(pool, (client) =>
      engine.applyInTransaction(client, [{ touchpoint: pending, position: result?.position ?? 0 }]),
    );
    expect(await newRows()).toEqual([]);

    expect(await erasure.readmit('po-b', 'tests')).toBe(true);
    const republished = await newRows();
    const profile = await stored('po-b');
    expect(republished.map((r) => [r.customer_id, r.profile, r.profile_position])).toEqual([
      ['po-b', profile?.profile, profile?.last_position],
    ]);
  });

  it('a rebuild writes nothing when it finds the same profiles, and exactly the differences otherwise', async () => {
    await apply([feedback('c1', 'c', 7, 0.3), feedback('d1', 'd', 8, -0.8)]);
    await newRows();
    const rebuild = (): Promise<unknown> =>
      rebuildProjections(pool, [customerProfileProjection], [customerProfileProjection]);
    await rebuild();
    expect(await newRows()).toEqual([]);

    // The live table drifted: one profile altered, one missing, one of nobody's touchpoints.
    await pool.query(
      `UPDATE customer_profiles SET profile = '{"customerId":"po-c","stale":true}' WHERE customer_id = 'po-c'`,
    );
    await pool.query(`DELETE FROM customer_profiles WHERE customer_id = 'po-d'`);
    await pool.query(
      `INSERT INTO customer_profiles (customer_id, profile, stage_history, last_position)
       SELECT 'po-ghost', profile, stage_history, last_position FROM customer_profiles
        WHERE customer_id = 'po-a'`,
    );
    await rebuild();
    const rows = await newRows();
    const c = await stored('po-c');
    const d = await stored('po-d');
    expect(rows.map((r) => [r.customer_id, r.profile, r.profile_position])).toEqual([
      ['po-c', c?.profile, c?.last_position],
      ['po-d', d?.profile, d?.last_position],
      ['po-ghost', null, null],
    ]);
    expect(c?.profile).toContain('"stage"');
    expect(new Set(rows.map((r) => r.xid)).size).toBe(1);
  });
});

describe('the migration that creates the profile outbox (real Postgres)', () => {
  const name = `cx_po_migrate_${randomBytes(4).toString('hex')}`;
  const server = (): string => {
    const url = process.env.DATABASE_URL;
    if (url === undefined) throw new Error('DATABASE_URL is not set');
    return url;
  };
  const admin = async (sql: string): Promise<void> => {
    const client = new Client({ connectionString: server() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  afterAll(async () => {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  it('queues every profile already stored, in customer order, erased customers left out', async () => {
    await admin(`CREATE DATABASE ${name}`);
    const url = new URL(server());
    url.pathname = `/${name}`;
    const before = DATABASE_MIGRATIONS.filter((m) => m.name !== 'CreateProfileOutbox1767000000000');
    expect(before).toHaveLength(DATABASE_MIGRATIONS.length - 1);
    await applyMigrations(url.toString(), before);
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    try {
      for (const [customerId, position] of [
        ['m-b', 7],
        ['m-a', 3],
        ['m-erased', 5],
        ['m-readmitted', 9],
      ] as const) {
        await client.query(
          `INSERT INTO customer_profiles (customer_id, profile, stage_history, last_position)
           VALUES ($1, $2, '[]', $3)`,
          [customerId, `{"customerId":"${customerId}","touchpoints":${position}}`, position],
        );
      }
      await client.query(
        `INSERT INTO customer_erasures (customer_id, erasure_id, requested_by, readmitted_at)
         VALUES ('m-erased', 'e-1', 'tests', NULL), ('m-readmitted', 'e-2', 'tests', now())`,
      );
      await migrateDatabase(url.toString());
      const { rows } = await client.query<{
        customer_id: string;
        profile: string;
        profile_position: string;
      }>(
        `SELECT customer_id, profile::text AS profile, profile_position
           FROM ${PROFILE_OUTBOX_TABLE} ORDER BY position`,
      );
      expect(rows).toEqual([
        {
          customer_id: 'm-a',
          profile: '{"customerId":"m-a","touchpoints":3}',
          profile_position: '3',
        },
        {
          customer_id: 'm-b',
          profile: '{"customerId":"m-b","touchpoints":7}',
          profile_position: '7',
        },
        {
          customer_id: 'm-readmitted',
          profile: '{"customerId":"m-readmitted","touchpoints":9}',
          profile_position: '9',
        },
      ]);
      const { rows: checkpoint } = await client.query<{ position: string }>(
        `SELECT position FROM relay_checkpoints WHERE name = 'customer-profiles'`,
      );
      expect(checkpoint).toEqual([{ position: '0' }]);
    } finally {
      await client.end();
    }
  });
});
