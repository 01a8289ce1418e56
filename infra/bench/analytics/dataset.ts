import { createHash } from 'node:crypto';
import { Client, type Pool } from 'pg';
import { splitPersonalFields } from '@cx/contracts';
import type { Touchpoint } from '@cx/domain';
import { TOUCHPOINT_EVENTS_TABLE } from '@cx/event-store';
import { migrateDatabase, rebuildProjections } from '@cx/read-models';
import { JourneyGenerator } from '../../../apps/cli/src/generate/journey-generator';
import { projections } from '../../../apps/projector/src/projections/projection-registry';
import { copyRows, type EventRow } from '../data';

/** The year the generated journeys start in, and the window the year-long requests cover. */
export const YEAR_FROM = '2025-01-01T00:00:00Z';
export const YEAR_TO = '2026-01-01T00:00:00Z';
/** One seed: every run generates the same journeys. */
export const DATASET_SEED = 20_250_101;
const ROWS_PER_COPY = 10_000;
/** COPYs in flight while the next batch is generated: overlaps Node's work with Postgres'. */
const COPIES_IN_FLIGHT = 2;

/** The scratch database's bookkeeping: what it holds, so that `--keep` can reuse it. */
const STATE_TABLE = 'bench_analytics_dataset';

export interface DatasetTimings {
  readonly touchpoints: number;
  readonly customers: number;
  readonly seed: number;
  readonly loadSeconds: number;
  readonly rebuildSeconds: number;
  readonly rebuildEvents: number;
  readonly rebuildCustomers: number;
  readonly rebuildPhases: RebuildPhases;
  /** When the data were loaded (earlier than this run when `--keep` reused them). */
  readonly filledAt: string;
}

export interface DatasetShape {
  /** Touchpoints whose occurredAt falls in [YEAR_FROM, YEAR_TO). */
  readonly inYear: number;
  readonly answers: number;
  readonly cells: Record<string, number>;
  readonly customersWithStage: number;
  readonly eventStoreMiB: number;
  readonly analyticsMiB: number;
}

/** `postgres://…/<database>` on the server of `serverUrl`. */
export function databaseUrlOn(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function onServer(serverUrl: string, work: (admin: Client) => Promise<void>): Promise<void> {
  const admin = new Client({ connectionString: databaseUrlOn(serverUrl, 'postgres') });
  await admin.connect();
  try {
    await work(admin);
  } finally {
    await admin.end();
  }
}

/** Drops the database and its key store (the query service creates `<name>_keys` on boot). */
export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  await onServer(serverUrl, async (admin) => {
    for (const name of [database, `${database}_keys`]) {
      await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
    }
  });
}

/** Creates the database when missing and brings its schema up to date; returns its URL. */
export async function ensureDatabase(serverUrl: string, database: string): Promise<string> {
  await onServer(serverUrl, async (admin) => {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0)
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
  });
  const url = databaseUrlOn(serverUrl, database);
  await migrateDatabase(url);
  return url;
}

/** What an earlier run recorded, when the database still holds exactly that data set. */
export async function filledDataset(
  pool: Pool,
  touchpoints: number,
): Promise<DatasetTimings | null> {
  const { rows: exists } = await pool.query<{ found: boolean }>(
    'SELECT to_regclass($1) IS NOT NULL AS found',
    [STATE_TABLE],
  );
  if (exists[0]?.found !== true) return null;
  const { rows } = await pool.query<{ timings: DatasetTimings }>(
    `SELECT timings FROM ${STATE_TABLE} WHERE touchpoints = $1 AND seed = $2`,
    [touchpoints, DATASET_SEED],
  );
  const timings = rows[0]?.timings ?? null;
  if (timings === null) return null;
  // The row is written after the rebuild; the count guards against a database changed since.
  const { rows: counted } = await pool.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${TOUCHPOINT_EVENTS_TABLE}`,
  );
  return Number(counted[0]?.n ?? -1) === touchpoints ? timings : null;
}

function rowOf(touchpoint: Touchpoint): EventRow {
  // Only the public part is stored: the analytics never read personal fields, and sealing them
  // would measure the cipher rather than the load.
  const payload = JSON.stringify(splitPersonalFields(touchpoint).publicPart);
  return {
    id: touchpoint.touchpointId,
    customer: touchpoint.customerId,
    occurred: touchpoint.occurredAt,
    interaction: touchpoint.interaction,
    channel: touchpoint.channel,
    payload,
    personal: null,
    digest: `${createHash('sha256').update(payload).digest('hex')}:-`,
  };
}

/**
 * Generates the journeys (deterministic: one seed) and COPYs them into the event store in
 * batches, customer by customer as the generator yields them; returns the seconds it took.
 */
export async function loadTouchpoints(
  pool: Pool,
  touchpoints: number,
  customers: number,
  log: (line: string) => void,
): Promise<number> {
  const started = performance.now();
  const generator = new JourneyGenerator({
    customers,
    touchpoints,
    seed: DATASET_SEED,
    startAt: new Date(YEAR_FROM),
  });
  const inFlight = new Set<Promise<void>>();
  let batch: EventRow[] = [];
  let loaded = 0;
  const send = async (rows: EventRow[]): Promise<void> => {
    if (inFlight.size >= COPIES_IN_FLIGHT) await Promise.race(inFlight);
    const copy = copyRows(pool, TOUCHPOINT_EVENTS_TABLE, rows).then(() => {
      inFlight.delete(copy);
      loaded += rows.length;
      if (loaded % 100_000 < ROWS_PER_COPY) {
        log(`loaded ${loaded.toLocaleString('en-US')} touchpoints`);
      }
    });
    inFlight.add(copy);
  };
  for (const touchpoint of generator.touchpoints()) {
    batch.push(rowOf(touchpoint));
    if (batch.length === ROWS_PER_COPY) {
      await send(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await send(batch);
  await Promise.all(inFlight);
  await pool.query(`VACUUM ANALYZE ${TOUCHPOINT_EVENTS_TABLE}`);
  return (performance.now() - started) / 1000;
}

/** Seconds of the rebuild's three phases, told apart by its progress lines. */
export interface RebuildPhases {
  /** Copying the event store into the rebuilt ledger. */
  readonly ledger: number;
  /** Handing every customer's history to the projection. */
  readonly project: number;
  /** Indexes, ANALYZE and the switch-over (which applies what it took in to the other projections). */
  readonly switchOver: number;
}

/**
 * Every read model rebuilt from the event store, as `cx projections rebuild` (no name) does it:
 * the profiles and the analytics, each customer's history read once for both.
 */
export async function rebuildAnalytics(
  pool: Pool,
  log: (line: string) => void,
): Promise<{ seconds: number; events: number; customers: number; phases: RebuildPhases }> {
  const all = projections({ optInPurposes: new Set() });
  const analytics = all.filter((p) => p.name === 'experience-analytics');
  if (analytics.length !== 1) throw new Error('no experience-analytics projection registered');
  const started = performance.now();
  let lastLine = 0;
  let ledgerDone = started;
  let projectDone = started;
  const result = await rebuildProjections(pool, all, all, {
    includeUnapplied: true,
    onProgress: (line) => {
      if (line.startsWith('read ')) ledgerDone = performance.now();
      if (line.startsWith('projected ')) projectDone = performance.now();
      // Every page and chunk reports; a line every 10 s is enough to follow it.
      if (performance.now() - lastLine < 10_000 && !line.startsWith('switched')) return;
      lastLine = performance.now();
      log(`rebuild: ${line}`);
    },
  });
  const ended = performance.now();
  return {
    seconds: (ended - started) / 1000,
    events: result.events,
    customers: result.customers,
    phases: {
      ledger: (ledgerDone - started) / 1000,
      project: (projectDone - ledgerDone) / 1000,
      switchOver: (ended - projectDone) / 1000,
    },
  };
}

export async function recordDataset(pool: Pool, timings: DatasetTimings): Promise<void> {
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${STATE_TABLE} (
       touchpoints INT NOT NULL, seed INT NOT NULL, timings JSONB NOT NULL,
       PRIMARY KEY (touchpoints, seed))`,
  );
  await pool.query(
    `INSERT INTO ${STATE_TABLE} (touchpoints, seed, timings) VALUES ($1, $2, $3)
     ON CONFLICT (touchpoints, seed) DO UPDATE SET timings = EXCLUDED.timings`,
    [timings.touchpoints, DATASET_SEED, JSON.stringify(timings)],
  );
}

/** Sizes of what the requests read, for the report. */
export async function datasetShape(pool: Pool): Promise<DatasetShape> {
  const one = async (sql: string, values: unknown[] = []): Promise<number> => {
    const { rows } = await pool.query<{ n: string | null }>(sql, values);
    return Number(rows[0]?.n ?? 0);
  };
  const { rows: cellRows } = await pool.query<{ grain: string; n: string }>(
    'SELECT grain::text AS grain, count(*) AS n FROM analytics_answer_cells GROUP BY grain ORDER BY grain',
  );
  const mib = (tables: readonly string[]): Promise<number> =>
    one(
      'SELECT sum(pg_total_relation_size(t::regclass)) / 1048576.0 AS n FROM unnest($1::text[]) t',
      [tables],
    );
  return {
    inYear: await one(
      `SELECT count(*) AS n FROM ${TOUCHPOINT_EVENTS_TABLE}
        WHERE occurred_at >= $1::timestamptz AND occurred_at < $2::timestamptz`,
      [YEAR_FROM, YEAR_TO],
    ),
    answers: await one('SELECT count(*) AS n FROM analytics_answers'),
    cells: Object.fromEntries(cellRows.map((r) => [r.grain, Number(r.n)])),
    customersWithStage: await one('SELECT count(*) AS n FROM analytics_customers'),
    eventStoreMiB: Math.round(await mib([TOUCHPOINT_EVENTS_TABLE])),
    analyticsMiB: Math.round(
      await mib([
        'analytics_customers',
        'analytics_answers',
        'analytics_answer_cells',
        'analytics_complaints',
      ]),
    ),
  };
}
