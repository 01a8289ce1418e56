import type { PoolClient } from 'pg';
import type { CustomerInsight } from '@cx/contracts';
import {
  CUSTOMER_PROFILES,
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
  profile_text: string;
}

/** What a customer's row held before the batch. */
interface StoredRow {
  readonly columns: ProfileColumns;
  /** The stored profile JSON, as published on `cx.customer-profiles.v1`. */
  readonly profileText: string;
}

/**
 * Each customer's profile and stage history, recomputed with the domain library from the
 * customer's whole applied history whenever new touchpoints of theirs arrive, so the row does not
 * depend on arrival order. Live changes of stage, emotion level, loyalty position and status are
 * published as insights, and every live change of the stored profile on `cx.customer-profiles.v1`;
 * the engine writes both to their outboxes in the same transaction, so each topic follows the
 * table commit by commit.
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
    const histories = batch.completeHistories ? newByCustomer : await batch.histories(customers);
    const projected = customers.flatMap((customerId) => {
      const history = histories.get(customerId);
      return history === undefined || history.length === 0 ? [] : [projectCustomer(history)];
    });
    const table = batch.table(CUSTOMER_PROFILES.name);
    let insights: CustomerInsight[] = [];
    const changed: ProjectedCustomer[] = [];
    if (batch.live) {
      const before = await readStored(batch.client, table, customers);
      for (const p of projected) {
        const stored = before.get(p.customerId);
        const cause = causeOf(newByCustomer.get(p.customerId) ?? []);
        insights = insights.concat(
          insightsOf(p.customerId, stored?.columns ?? null, p.columns, cause),
        );
        // Same text as the upsert below stores: an unchanged profile is not published again.
        if (stored?.profileText !== JSON.stringify(p.profile)) changed.push(p);
      }
    }
    await upsertProfiles(batch, table, projected);
    return {
      insights,
      changedProfiles: changed.map((p) => p.customerId),
    };
  },
};

async function readStored(
  client: PoolClient,
  table: string,
  customers: readonly string[],
): Promise<Map<string, StoredRow>> {
  // FOR UPDATE: two instances briefly sharing a customer during a rebalance compare in turn.
  const { rows } = await client.query<ColumnsRow>(
    `SELECT customer_id, stage, phase, status, emotion_level, emotion_score, loyalty_side,
            loyalty_position, touchpoints, profile::text AS profile_text
       FROM ${table} WHERE customer_id = ANY($1::text[]) ORDER BY customer_id FOR UPDATE`,
    [customers],
  );
  return new Map(
    rows.map((r) => [
      r.customer_id,
      {
        profileText: r.profile_text,
        columns: {
          stage: r.stage,
          phase: r.phase,
          status: r.status,
          emotionLevel: r.emotion_level,
          emotionScore: r.emotion_score,
          loyaltySide: r.loyalty_side,
          loyaltyPosition: r.loyalty_position,
          touchpoints: r.touchpoints,
        },
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
  // One JSON document rather than twelve arrays: pg would escape every quote of every profile
  // into an array literal. `json` columns keep each profile's text exactly as serialised here.
  await batch.client.query(
    `INSERT INTO ${table} (customer_id, profile, stage_history, stage, phase, status,
        emotion_level, emotion_score, loyalty_side, loyalty_position, touchpoints, last_position, updated_at)
     SELECT customer_id, profile, stage_history, stage, phase, status, emotion_level,
            emotion_score, loyalty_side, loyalty_position, touchpoints, last_position, now()
       FROM json_to_recordset($1::json)
            AS t(customer_id text, profile json, stage_history json, stage text, phase text,
                 status text, emotion_level text, emotion_score float8, loyalty_side text,
                 loyalty_position int, touchpoints int, last_position bigint)
     ON CONFLICT (customer_id) DO UPDATE SET
       profile = EXCLUDED.profile, stage_history = EXCLUDED.stage_history, stage = EXCLUDED.stage,
       phase = EXCLUDED.phase, status = EXCLUDED.status, emotion_level = EXCLUDED.emotion_level,
       emotion_score = EXCLUDED.emotion_score, loyalty_side = EXCLUDED.loyalty_side,
       loyalty_position = EXCLUDED.loyalty_position, touchpoints = EXCLUDED.touchpoints,
       last_position = EXCLUDED.last_position, updated_at = now()`,
    [
      JSON.stringify(
        projected.map((p) => ({
          customer_id: p.customerId,
          profile: p.profile,
          stage_history: p.stageHistory,
          stage: p.columns.stage,
          phase: p.columns.phase,
          status: p.columns.status,
          emotion_level: p.columns.emotionLevel,
          emotion_score: p.columns.emotionScore,
          loyalty_side: p.columns.loyaltySide,
          loyalty_position: p.columns.loyaltyPosition,
          touchpoints: p.columns.touchpoints,
          last_position: p.lastPosition,
        })),
      ),
    ],
  );
}
