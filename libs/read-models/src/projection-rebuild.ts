import type { Pool, PoolClient } from 'pg';
import type { Touchpoint } from '@cx/domain';
import { TOUCHPOINT_EVENTS_TABLE } from '@cx/event-store';
import { applyToProjections, READ_MODEL_LOCK_KEY, type BatchTarget } from './projection-engine';
import { appendProfileDifferences } from './profile-outbox';
import type { PositionedTouchpoint, Projection } from './projection';
import {
  APPLIED_TOUCHPOINTS,
  CONSENT_FOLLOW_PROGRESS,
  CUSTOMER_PROFILES,
} from './schema/read-model.schema';
import {
  createIndexStatements,
  createTableStatement,
  promoteStatements,
  REBUILD_SUFFIX,
  type TableSchema,
} from './schema/table-schema';

export interface RebuildOptions {
  /** Events read from the event store per round trip. */
  readonly pageSize?: number;
  /** Customers handed to the projections per call (each with their whole history). */
  readonly customerChunk?: number;
  readonly onProgress?: (line: string) => void;
  /**
   * Also take stored touchpoints the live projector has not applied yet. Off by default: the
   * projector applies those itself later, as news (with their derived events), whereas a rebuild
   * takes them in silently. On for recovery, when the log no longer holds what the ledger lacks.
   */
  readonly includeUnapplied?: boolean;
}

export interface RebuildResult {
  /** The projections rebuilt. */
  readonly projections: readonly string[];
  readonly events: number;
  readonly customers: number;
  /** Touchpoints the live projector applied while the rebuild ran, merged at the switch-over. */
  readonly mergedAtSwitch: number;
  /**
   * Stored touchpoints the live projector had not applied when the rebuild switched over, taken in
   * with `includeUnapplied` (then applied to the projections not rebuilt too, and their later
   * delivery is a no-op); always 0 without it.
   */
  readonly aheadOfLive: number;
  readonly seconds: number;
}

interface EventRow {
  position: string;
  payload: Touchpoint;
}

const copyOf = (name: string): string => `${name}${REBUILD_SUFFIX}`;

/** Writes go to the copies of the rebuilt projections' tables and of the ledger. */
function rebuildTarget(rebuilt: readonly Projection[]): BatchTarget {
  const owned = new Set(rebuilt.flatMap((p) => p.tables.map((t) => t.name)));
  return {
    appliedTouchpoints: copyOf(APPLIED_TOUCHPOINTS.name),
    live: false,
    completeHistories: false,
    table: (name) => (owned.has(name) ? copyOf(name) : name),
  };
}

/**
 * Rebuilds projections from the event store into fresh copies of their tables, then switches over
 * in one transaction under the read-model lock every projector batch also takes, so readers see
 * the old tables until COMMIT and the new ones after it, never an empty or partial one.
 *
 * The ledger of applied touchpoints is rebuilt with them from the event store, so that it says
 * exactly what the rebuilt tables hold. By default only touchpoints the live projector has applied
 * are taken: the rebuild then reproduces the live state, and what the projector has yet to consume
 * reaches every projection later as news, with its derived events. At the switch-over, touchpoints
 * applied live meanwhile are merged into the copies. With `includeUnapplied`, touchpoints the live
 * projector has not applied are taken too and applied at the switch-over to the projections not
 * being rebuilt, so every projection agrees with the new ledger and their late delivery is a no-op. The event store's
 * `payload` column is already the public touchpoint: the rebuild never needs personal-data keys.
 */
export async function rebuildProjections(
  pool: Pool,
  all: readonly Projection[],
  rebuilt: readonly Projection[],
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const started = Date.now();
  const pageSize = options.pageSize ?? 5000;
  const chunk = options.customerChunk ?? 500;
  const progress = options.onProgress ?? ((): void => undefined);
  const target = rebuildTarget(rebuilt);
  const tables = rebuilt.flatMap((p) => p.tables);
  const client = await pool.connect();
  try {
    // Consent changes from here on may be missing from the copies (the live tables got them):
    // the switch-over hands them to the consent follower again.
    const { rows: snapshot } = await client.query<{ xmin: string }>(
      'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin',
    );
    const consentsFrom = snapshot[0]?.xmin ?? '0';
    await createCopies(client, [APPLIED_TOUCHPOINTS, ...tables]);
    const events = await copyEventStore(
      client,
      target.appliedTouchpoints,
      pageSize,
      options.includeUnapplied === true,
      progress,
    );
    // The ledger's index on customer first: every chunk below reads whole customers by it.
    for (const statement of createIndexStatements(APPLIED_TOUCHPOINTS, REBUILD_SUFFIX)) {
      await client.query(statement);
    }
    const customers = await customersOf(client, target.appliedTouchpoints);
    for (let i = 0; i < customers.length; i += chunk) {
      const slice = customers.slice(i, i + chunk);
      await applyToProjections(
        client,
        rebuilt,
        { ...target, completeHistories: true },
        await historiesOf(client, target.appliedTouchpoints, slice),
      );
      progress(
        `projected ${Math.min(i + chunk, customers.length)} of ${customers.length} customers`,
      );
    }
    for (const table of tables) {
      for (const statement of createIndexStatements(table, REBUILD_SUFFIX)) {
        await client.query(statement);
      }
    }
    for (const table of [APPLIED_TOUCHPOINTS, ...tables]) {
      await client.query(`ANALYZE ${copyOf(table.name)}`);
    }
    const others = all.filter((p) => !rebuilt.includes(p));
    const switched = await switchOverRetrying(
      () =>
        switchOver(client, rebuilt, others, target, [APPLIED_TOUCHPOINTS, ...tables], consentsFrom),
      client,
      progress,
    );
    progress(
      `switched over (${switched.merged} live touchpoints merged, ${switched.ahead} applied ahead of the live projector)`,
    );
    return {
      projections: rebuilt.map((p) => p.name),
      events,
      customers: customers.length,
      mergedAtSwitch: switched.merged,
      aheadOfLive: switched.ahead,
      seconds: (Date.now() - started) / 1000,
    };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const SWITCH_ATTEMPTS = 5;

/**
 * The switch-over drops and renames tables that readers may hold while they wait for another of
 * them (a query over several analytics tables): Postgres then breaks the cycle by failing one
 * side. When that is the switch-over, its transaction rolls back whole and it is tried again.
 */
async function switchOverRetrying<T>(
  attempt: () => Promise<T>,
  client: PoolClient,
  progress: (line: string) => void,
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if ((error as { code?: unknown } | null)?.code !== '40P01' || n >= SWITCH_ATTEMPTS) {
        throw error;
      }
      await client.query('ROLLBACK');
      progress(`switch-over deadlocked with a reader (attempt ${n}); trying again`);
    }
  }
}

async function createCopies(client: PoolClient, tables: readonly TableSchema[]): Promise<void> {
  for (const table of tables) {
    await client.query(`DROP TABLE IF EXISTS ${copyOf(table.name)}`);
    // Secondary indexes come after the bulk load; the primary key is what inserts rely on.
    await client.query(createTableStatement(table, copyOf(table.name)));
  }
}

async function copyEventStore(
  client: PoolClient,
  ledger: string,
  pageSize: number,
  includeUnapplied: boolean,
  progress: (line: string) => void,
): Promise<number> {
  const applied = includeUnapplied
    ? ''
    : `AND EXISTS (SELECT 1 FROM ${APPLIED_TOUCHPOINTS.name} l WHERE l.touchpoint_id = e.touchpoint_id)`;
  let after = 0;
  let events = 0;
  for (;;) {
    const { rows } = await client.query<{ n: string; last: string | null }>(
      `WITH page AS (
         SELECT e.touchpoint_id, e.customer_id, e.position, e.payload FROM ${TOUCHPOINT_EVENTS_TABLE} e
          WHERE e.position > $1 ${applied} ORDER BY e.position LIMIT $2),
       copied AS (
         INSERT INTO ${ledger} (touchpoint_id, customer_id, position, payload)
         SELECT touchpoint_id, customer_id, position, payload FROM page)
       SELECT count(*) AS n, max(position) AS last FROM page`,
      [after, pageSize],
    );
    const count = Number(rows[0]?.n ?? 0);
    if (count === 0) break;
    events += count;
    after = Number(rows[0]?.last ?? after);
    progress(`read ${events} events (up to position ${after})`);
  }
  return events;
}

async function customersOf(client: PoolClient, ledger: string): Promise<string[]> {
  const { rows } = await client.query<{ customer_id: string }>(
    `SELECT DISTINCT customer_id FROM ${ledger} ORDER BY customer_id`,
  );
  return rows.map((r) => r.customer_id);
}

async function historiesOf(
  client: PoolClient,
  ledger: string,
  customers: readonly string[],
): Promise<PositionedTouchpoint[]> {
  const { rows } = await client.query<EventRow>(
    `SELECT position, payload FROM ${ledger}
      WHERE customer_id = ANY($1::text[]) ORDER BY customer_id, position`,
    [customers],
  );
  return rows.map((r) => ({ touchpoint: r.payload, position: Number(r.position) }));
}

async function switchOver(
  client: PoolClient,
  rebuilt: readonly Projection[],
  others: readonly Projection[],
  target: BatchTarget,
  tables: readonly TableSchema[],
  consentsFrom: string,
): Promise<{ merged: number; ahead: number }> {
  const live = APPLIED_TOUCHPOINTS.name;
  const copy = target.appliedTouchpoints;
  await client.query('BEGIN');
  await client.query('SELECT pg_advisory_xact_lock($1)', [READ_MODEL_LOCK_KEY]);
  const { rows: ahead } = await client.query<EventRow>(
    `SELECT position, payload FROM ${copy} r
      WHERE NOT EXISTS (SELECT 1 FROM ${live} l WHERE l.touchpoint_id = r.touchpoint_id)
      ORDER BY position`,
  );
  const { rows: merged } = await client.query<EventRow>(
    `INSERT INTO ${copy} (touchpoint_id, customer_id, position, payload)
     SELECT touchpoint_id, customer_id, position, payload FROM ${live}
     ON CONFLICT (touchpoint_id) DO NOTHING
     RETURNING position, payload`,
  );
  const toItems = (rows: readonly EventRow[]): PositionedTouchpoint[] =>
    rows.map((r) => ({ touchpoint: r.payload, position: Number(r.position) }));
  await applyToProjections(client, rebuilt, target, toItems(merged));
  // The projections kept live read histories from the new ledger, which holds these touchpoints.
  await applyToProjections(
    client,
    others,
    { appliedTouchpoints: copy, live: true, completeHistories: false, table: (name) => name },
    toItems(ahead),
  );
  // The rebuilt copies were written silently (not live): what changes for readers at this COMMIT
  // goes to the profile stream in the same transaction, so the topic keeps matching the table.
  if (tables.some((t) => t.name === CUSTOMER_PROFILES.name)) {
    await appendProfileDifferences(client, CUSTOMER_PROFILES.name, copyOf(CUSTOMER_PROFILES.name));
  }
  for (const table of tables) {
    await client.query(`DROP TABLE ${table.name}`);
    for (const statement of promoteStatements(table)) await client.query(statement);
  }
  if (rebuilt.some((p) => p.recompute !== undefined)) {
    await client.query(`UPDATE ${CONSENT_FOLLOW_PROGRESS} SET below = LEAST(below, $1::xid8)`, [
      consentsFrom,
    ]);
  }
  await client.query('COMMIT');
  return { merged: merged.length, ahead: ahead.length };
}
