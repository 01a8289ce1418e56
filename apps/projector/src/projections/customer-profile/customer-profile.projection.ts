import type { PoolClient } from 'pg';
import type { CustomerInsight } from '@cx/contracts';
import {
  appendInsights,
  CUSTOMER_PROFILES,
  readHistories,
  type PositionedTouchpoint,
  type Projection,
  type ProjectionBatch,
  type ProjectionOutcome,
} from '@cx/read-models';
import {
  causeOf,
  insightsOf,
  projectCustomer,
  type ProfileColumns,
  type ProjectedCustomer,
} from './customer-profile.derivation';

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

/**
 * Each customer's profile and stage history, recomputed with the domain library from the
 * customer's whole applied history whenever new touchpoints of theirs arrive, so the row does not
 * depend on arrival order. Live changes of stage, emotion level, loyalty position and status go to
 * the insight outbox in the same transaction.
 */
export const customerProfileProjection: Projection = {
  name: 'customer-profiles',
  tables: [CUSTOMER_PROFILES],
  handles: () => true,
  async apply(batch, touchpoints): Promise<ProjectionOutcome> {
    const newByCustomer = new Map<string, PositionedTouchpoint[]>();
    for (const item of touchpoints) {
      const group = newByCustomer.get(item.touchpoint.customerId);
      if (group === undefined) newByCustomer.set(item.touchpoint.customerId, [item]);
      else group.push(item);
    }
    const customers = [...newByCustomer.keys()].sort();
    const histories = batch.completeHistories
      ? newByCustomer
      : await readHistories(batch.client, batch.appliedTouchpoints, customers);
    const projected = customers.flatMap((customerId) => {
      const history = histories.get(customerId);
      return history === undefined || history.length === 0 ? [] : [projectCustomer(history)];
    });
    const table = batch.table(CUSTOMER_PROFILES.name);
    let insights: CustomerInsight[] = [];
    if (batch.live) {
      const before = await readColumns(batch.client, table, customers);
      for (const p of projected) {
        const cause = causeOf(newByCustomer.get(p.customerId) ?? []);
        insights = insights.concat(
          insightsOf(p.customerId, before.get(p.customerId) ?? null, p.columns, cause),
        );
      }
    }
    await upsertProfiles(batch, table, projected);
    await appendInsights(batch.client, insights);
    return { insights: insights.length };
  },
};

async function readColumns(
  client: PoolClient,
  table: string,
  customers: readonly string[],
): Promise<Map<string, ProfileColumns>> {
  // FOR UPDATE: two instances briefly sharing a customer during a rebalance compare in turn.
  const { rows } = await client.query<ColumnsRow>(
    `SELECT customer_id, stage, phase, status, emotion_level, emotion_score, loyalty_side,
            loyalty_position, touchpoints
       FROM ${table} WHERE customer_id = ANY($1::text[]) ORDER BY customer_id FOR UPDATE`,
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

async function upsertProfiles(
  batch: ProjectionBatch,
  table: string,
  projected: readonly ProjectedCustomer[],
): Promise<void> {
  if (projected.length === 0) return;
  await batch.client.query(
    `INSERT INTO ${table} (customer_id, profile, stage_history, stage, phase, status,
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
