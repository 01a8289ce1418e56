import type { Pool, PoolClient } from 'pg';
import type { Touchpoint } from '@cx/domain';
import type { PositionedTouchpoint } from './customer-profile.projection';
import {
  LIVE_TABLES,
  READ_MODEL_LOCK_KEY,
  recomputeCustomers,
  upsertProfiles,
  writeTouchpoints,
  type ReadModelTables,
} from './read-model.writer';

export interface RebuildOptions {
  /** Events read from the event store per round trip. */
  readonly pageSize?: number;
  /** Customers recomputed per round trip. */
  readonly customerChunk?: number;
  readonly onProgress?: (line: string) => void;
}

export interface RebuildResult {
  readonly events: number;
  readonly customers: number;
  /** Touchpoints the live projector applied while the rebuild ran, merged at the switch-over. */
  readonly mergedAtSwitch: number;
  readonly seconds: number;
}

const REBUILD_TABLES: ReadModelTables = {
  touchpoints: 'projection_touchpoints_rebuild',
  profiles: 'customer_profiles_rebuild',
};

/** Canonical index names (as the migration made them), put back after the rename. */
const INDEXES: readonly { table: string; columns: string; name: string; primary?: boolean }[] = [
  {
    table: 'touchpoints',
    columns: 'touchpoint_id',
    name: 'projection_touchpoints_pkey',
    primary: true,
  },
  { table: 'touchpoints', columns: 'customer_id', name: 'projection_touchpoints_customer_idx' },
  { table: 'profiles', columns: 'customer_id', name: 'customer_profiles_pkey', primary: true },
  { table: 'profiles', columns: 'stage, customer_id', name: 'customer_profiles_stage_idx' },
  { table: 'profiles', columns: 'status, customer_id', name: 'customer_profiles_status_idx' },
  {
    table: 'profiles',
    columns: 'emotion_level, customer_id',
    name: 'customer_profiles_emotion_idx',
  },
];

interface EventRow {
  position: string;
  payload: Touchpoint;
}

/**
 * Rebuilds the read models from the event store into fresh `*_rebuild` tables, then switches over in
 * one transaction under the read-model lock the projector's batches also take: touchpoints the live
 * projector applied meanwhile are merged in, their customers recomputed, and the tables renamed.
 * Readers see the old tables until COMMIT and the new ones after it, never an empty or partial one.
 * The event store's `payload` column is already the public touchpoint, so the rebuild reads it
 * directly and never needs the personal-data keys.
 */
export async function rebuildReadModels(
  pool: Pool,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const started = Date.now();
  const pageSize = options.pageSize ?? 5000;
  const chunk = options.customerChunk ?? 500;
  const progress = options.onProgress ?? ((): void => undefined);
  const client = await pool.connect();
  try {
    await createRebuildTables(client);
    let after = 0;
    let events = 0;
    for (;;) {
      const { rows } = await client.query<EventRow>(
        'SELECT position, payload FROM touchpoint_events WHERE position > $1 ORDER BY position LIMIT $2',
        [after, pageSize],
      );
      const last = rows[rows.length - 1];
      if (last === undefined) break;
      await insertHistory(
        client,
        rows.map((r) => ({ touchpoint: r.payload, position: Number(r.position) })),
      );
      events += rows.length;
      after = Number(last.position);
      progress(`read ${events} events (up to position ${after})`);
    }
    const { rows: customerRows } = await client.query<{ customer_id: string }>(
      `SELECT DISTINCT customer_id FROM ${REBUILD_TABLES.touchpoints} ORDER BY customer_id`,
    );
    const customers = customerRows.map((r) => r.customer_id);
    for (let i = 0; i < customers.length; i += chunk) {
      const slice = customers.slice(i, i + chunk);
      await upsertProfiles(
        client,
        await recomputeCustomers(client, slice, REBUILD_TABLES),
        REBUILD_TABLES,
      );
      progress(
        `recomputed ${Math.min(i + chunk, customers.length)} of ${customers.length} customers`,
      );
    }
    await client.query('ANALYZE projection_touchpoints_rebuild');
    await client.query('ANALYZE customer_profiles_rebuild');
    const mergedAtSwitch = await switchOver(client);
    progress(`switched over (${mergedAtSwitch} live touchpoints merged)`);
    return {
      events,
      customers: customers.length,
      mergedAtSwitch,
      seconds: (Date.now() - started) / 1000,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function createRebuildTables(client: PoolClient): Promise<void> {
  await client.query(
    `DROP TABLE IF EXISTS ${REBUILD_TABLES.touchpoints}, ${REBUILD_TABLES.profiles}`,
  );
  // Indexes come after the bulk load except the primary keys the upserts rely on.
  await client.query(`
    CREATE TABLE ${REBUILD_TABLES.touchpoints} (
      touchpoint_id TEXT NOT NULL,
      customer_id   TEXT NOT NULL,
      position      BIGINT NOT NULL,
      payload       JSONB NOT NULL,
      CONSTRAINT projection_touchpoints_rebuild_pkey PRIMARY KEY (touchpoint_id)
    )`);
  await client.query(
    `CREATE TABLE ${REBUILD_TABLES.profiles} (LIKE ${LIVE_TABLES.profiles} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`,
  );
  await client.query(
    `ALTER TABLE ${REBUILD_TABLES.profiles} ADD CONSTRAINT customer_profiles_rebuild_pkey PRIMARY KEY (customer_id)`,
  );
}

async function insertHistory(
  client: PoolClient,
  items: readonly PositionedTouchpoint[],
): Promise<void> {
  // Reuses the live writer's insert, without profiles (computed once per customer afterwards).
  await client.query(
    `INSERT INTO ${REBUILD_TABLES.touchpoints} (touchpoint_id, customer_id, position, payload)
     SELECT id, customer, position, payload::jsonb
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS t(id, customer, position, payload)
     ON CONFLICT (touchpoint_id) DO NOTHING`,
    [
      items.map((i) => i.touchpoint.touchpointId),
      items.map((i) => i.touchpoint.customerId),
      items.map((i) => i.position),
      items.map((i) => JSON.stringify(i.touchpoint)),
    ],
  );
}

async function switchOver(client: PoolClient): Promise<number> {
  await client.query(
    `CREATE INDEX projection_touchpoints_rebuild_customer_idx ON ${REBUILD_TABLES.touchpoints} (customer_id)`,
  );
  for (const index of INDEXES.filter((i) => i.table === 'profiles' && !i.primary)) {
    await client.query(
      `CREATE INDEX ${index.name}_rebuild ON ${REBUILD_TABLES.profiles} (${index.columns})`,
    );
  }
  await client.query('BEGIN');
  await client.query('SELECT pg_advisory_xact_lock($1)', [READ_MODEL_LOCK_KEY]);
  const { rows } = await client.query<EventRow>(
    `SELECT position, payload FROM ${LIVE_TABLES.touchpoints} live
      WHERE NOT EXISTS (SELECT 1 FROM ${REBUILD_TABLES.touchpoints} r WHERE r.touchpoint_id = live.touchpoint_id)`,
  );
  const merged = await writeTouchpoints(
    client,
    rows.map((r) => ({ touchpoint: r.payload, position: Number(r.position) })),
    { tables: REBUILD_TABLES, emitInsights: false },
  );
  await client.query(`ALTER TABLE ${LIVE_TABLES.touchpoints} RENAME TO projection_touchpoints_old`);
  await client.query(`ALTER TABLE ${LIVE_TABLES.profiles} RENAME TO customer_profiles_old`);
  await client.query(
    `ALTER TABLE ${REBUILD_TABLES.touchpoints} RENAME TO ${LIVE_TABLES.touchpoints}`,
  );
  await client.query(`ALTER TABLE ${REBUILD_TABLES.profiles} RENAME TO ${LIVE_TABLES.profiles}`);
  await client.query('DROP TABLE projection_touchpoints_old, customer_profiles_old');
  await client.query(
    'ALTER INDEX projection_touchpoints_rebuild_pkey RENAME TO projection_touchpoints_pkey',
  );
  await client.query(
    'ALTER INDEX projection_touchpoints_rebuild_customer_idx RENAME TO projection_touchpoints_customer_idx',
  );
  await client.query('ALTER INDEX customer_profiles_rebuild_pkey RENAME TO customer_profiles_pkey');
  for (const index of INDEXES.filter((i) => i.table === 'profiles' && !i.primary)) {
    await client.query(`ALTER INDEX ${index.name}_rebuild RENAME TO ${index.name}`);
  }
  await client.query('COMMIT');
  return merged.newTouchpoints;
}
