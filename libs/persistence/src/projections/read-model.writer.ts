import type { PoolClient } from 'pg';
import type { Touchpoint } from '@cx/domain';
import { splitPersonalFields } from '@cx/contracts/events/touchpoint-recorded.event';
import {
  causeOf,
  insightsOf,
  projectCustomer,
  type CustomerInsight,
  type PositionedTouchpoint,
  type ProfileColumns,
  type ProjectedCustomer,
} from './customer-profile.projection';

/**
 * Taken shared by every projector batch and exclusively by the rebuild's switch-over, so that the
 * switch sees no batch half-way and no batch writes into a table being renamed away.
 */
export const READ_MODEL_LOCK_KEY = 0x63787270; // 'cxrp'

/**
 * Serialises inserts into `insight_outbox` until COMMIT, for the same reason the event store locks
 * its appends: positions then become visible in order, and the insight relay never skips one.
 */
const INSIGHT_APPEND_LOCK_KEY = 0x63786969; // 'cxii'

export interface ReadModelTables {
  readonly touchpoints: string;
  readonly profiles: string;
}

export const LIVE_TABLES: ReadModelTables = {
  touchpoints: 'projection_touchpoints',
  profiles: 'customer_profiles',
};

export interface WriteOptions {
  readonly tables?: ReadModelTables;
  /** Derived events are written for live changes only; a rebuild changes nothing a reader saw. */
  readonly emitInsights?: boolean;
}

export interface WriteResult {
  /** Touchpoints new to the read model (the others were already applied: a no-op). */
  readonly newTouchpoints: number;
  readonly customers: number;
  readonly insights: number;
}

interface HistoryRow {
  customer_id: string;
  position: string;
  payload: Touchpoint;
}

interface ColumnsRow {
  customer_id: string;
  stage: string;
  phase: string;
  status: string;
  emotion_level: string;
  emotion_score: number | null;
  loyalty_side: string;
  loyalty_position: number;
  touchpoints: number;
}

/** The public part only: personal data is never kept in a read model. */
function publicPayload(touchpoint: Touchpoint): string {
  return JSON.stringify(splitPersonalFields(touchpoint).publicPart);
}

/**
 * Applies touchpoints to the read model inside the caller's transaction, batched: one INSERT of the
 * touchpoints (`ON CONFLICT DO NOTHING`, so a redelivered one is not new), one SELECT of the affected
 * customers' histories, recomputation with the domain library, one multi-row upsert of profiles and,
 * for live writes, one INSERT of the derived events into the insight outbox.
 */
export async function writeTouchpoints(
  client: PoolClient,
  items: readonly PositionedTouchpoint[],
  options: WriteOptions = {},
): Promise<WriteResult> {
  const tables = options.tables ?? LIVE_TABLES;
  const emitInsights = options.emitInsights ?? true;
  const unique = new Map<string, PositionedTouchpoint>();
  for (const item of items) {
    if (!unique.has(item.touchpoint.touchpointId)) unique.set(item.touchpoint.touchpointId, item);
  }
  if (unique.size === 0) return { newTouchpoints: 0, customers: 0, insights: 0 };
  const list = [...unique.values()];
  const { rows: inserted } = await client.query<{ touchpoint_id: string; customer_id: string }>(
    `INSERT INTO ${tables.touchpoints} (touchpoint_id, customer_id, position, payload)
     SELECT id, customer, position, payload::jsonb
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS t(id, customer, position, payload)
     ON CONFLICT (touchpoint_id) DO NOTHING
     RETURNING touchpoint_id, customer_id`,
    [
      list.map((i) => i.touchpoint.touchpointId),
      list.map((i) => i.touchpoint.customerId),
      list.map((i) => i.position),
      list.map((i) => publicPayload(i.touchpoint)),
    ],
  );
  if (inserted.length === 0) return { newTouchpoints: 0, customers: 0, insights: 0 };

  const newByCustomer = new Map<string, PositionedTouchpoint[]>();
  for (const row of inserted) {
    const item = unique.get(row.touchpoint_id);
    if (item === undefined) continue;
    const group = newByCustomer.get(row.customer_id);
    if (group === undefined) newByCustomer.set(row.customer_id, [item]);
    else group.push(item);
  }
  const customers = [...newByCustomer.keys()].sort();
  const projected = await recomputeCustomers(client, customers, tables);

  let insights: CustomerInsight[] = [];
  if (emitInsights) {
    const before = await readColumns(client, customers, tables);
    for (const p of projected) {
      const cause = causeOf(newByCustomer.get(p.customerId) ?? []);
      insights = insights.concat(
        insightsOf(p.customerId, before.get(p.customerId) ?? null, p.columns, cause),
      );
    }
  }
  await upsertProfiles(client, projected, tables);
  if (insights.length > 0) await appendInsights(client, insights);
  return {
    newTouchpoints: inserted.length,
    customers: customers.length,
    insights: insights.length,
  };
}

/** Reads the customers' complete histories from the read model and recomputes them. */
export async function recomputeCustomers(
  client: PoolClient,
  customers: readonly string[],
  tables: ReadModelTables = LIVE_TABLES,
): Promise<ProjectedCustomer[]> {
  if (customers.length === 0) return [];
  const { rows } = await client.query<HistoryRow>(
    `SELECT customer_id, position, payload FROM ${tables.touchpoints} WHERE customer_id = ANY($1::text[])`,
    [customers],
  );
  const histories = new Map<string, PositionedTouchpoint[]>();
  for (const row of rows) {
    const item = { touchpoint: row.payload, position: Number(row.position) };
    const history = histories.get(row.customer_id);
    if (history === undefined) histories.set(row.customer_id, [item]);
    else history.push(item);
  }
  const out: ProjectedCustomer[] = [];
  for (const customerId of customers) {
    const history = histories.get(customerId);
    if (history !== undefined && history.length > 0) out.push(projectCustomer(history));
  }
  return out;
}

async function readColumns(
  client: PoolClient,
  customers: readonly string[],
  tables: ReadModelTables,
): Promise<Map<string, ProfileColumns>> {
  // FOR UPDATE: two instances briefly sharing a customer during a rebalance compare in turn.
  const { rows } = await client.query<ColumnsRow>(
    `SELECT customer_id, stage, phase, status, emotion_level, emotion_score, loyalty_side,
            loyalty_position, touchpoints
       FROM ${tables.profiles} WHERE customer_id = ANY($1::text[]) ORDER BY customer_id FOR UPDATE`,
    [customers],
  );
  return new Map(
    rows.map((r) => [
      r.customer_id,
      {
        stage: r.stage,
        phase: r.phase,
        status: r.status,
        emotionLevel: r.emotion_level,
        emotionScore: r.emotion_score,
        loyaltySide: r.loyalty_side,
        loyaltyPosition: r.loyalty_position,
        touchpoints: r.touchpoints,
      },
    ]),
  );
}

export async function upsertProfiles(
  client: PoolClient,
  projected: readonly ProjectedCustomer[],
  tables: ReadModelTables = LIVE_TABLES,
): Promise<void> {
  if (projected.length === 0) return;
  await client.query(
    `INSERT INTO ${tables.profiles} (customer_id, profile, stage_history, stage, phase, status,
        emotion_level, emotion_score, loyalty_side, loyalty_position, touchpoints, last_position, updated_at)
     SELECT customer_id, profile::json, stage_history::json, stage, phase, status, emotion_level,
            emotion_score, loyalty_side, loyalty_position, touchpoints, last_position, now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                   $8::float8[], $9::text[], $10::int[], $11::int[], $12::bigint[])
            AS t(customer_id, profile, stage_history, stage, phase, status, emotion_level,
                 emotion_score, loyalty_side, loyalty_position, touchpoints, last_position)
     ON CONFLICT (customer_id) DO UPDATE SET
       profile = EXCLUDED.profile, stage_history = EXCLUDED.stage_history, stage = EXCLUDED.stage,
       phase = EXCLUDED.phase, status = EXCLUDED.status, emotion_level = EXCLUDED.emotion_level,
       emotion_score = EXCLUDED.emotion_score, loyalty_side = EXCLUDED.loyalty_side,
       loyalty_position = EXCLUDED.loyalty_position, touchpoints = EXCLUDED.touchpoints,
       last_position = EXCLUDED.last_position, updated_at = now()`,
    [
      projected.map((p) => p.customerId),
      projected.map((p) => JSON.stringify(p.profile)),
      projected.map((p) => JSON.stringify(p.stageHistory)),
      projected.map((p) => p.columns.stage),
      projected.map((p) => p.columns.phase),
      projected.map((p) => p.columns.status),
      projected.map((p) => p.columns.emotionLevel),
      projected.map((p) => p.columns.emotionScore),
      projected.map((p) => p.columns.loyaltySide),
      projected.map((p) => p.columns.loyaltyPosition),
      projected.map((p) => p.columns.touchpoints),
      projected.map((p) => p.lastPosition),
    ],
  );
}

async function appendInsights(
  client: PoolClient,
  insights: readonly CustomerInsight[],
): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [INSIGHT_APPEND_LOCK_KEY]);
  await client.query(
    `INSERT INTO insight_outbox (customer_id, event_type, payload)
     SELECT customer_id, event_type, payload::jsonb
       FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS t(customer_id, event_type, payload, ord)
      ORDER BY ord`,
    [
      insights.map((i) => i.customerId),
      insights.map((i) => i.type),
      insights.map((i) => JSON.stringify(i)),
    ],
  );
  await client.query(`SELECT pg_notify('${INSIGHT_CHANNEL}', '')`);
}

/** NOTIFY channel of the insight outbox, so the relay publishes without waiting for its poll. */
export const INSIGHT_CHANNEL = 'cx_insight_outbox';
