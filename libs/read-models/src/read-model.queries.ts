import type { Pool } from 'pg';
import type {
  CustomerProfile,
  EmotionLevel,
  LifecycleStatus,
  Stage,
  StageHistory,
  Touchpoint,
} from '@cx/domain';
import { inTransaction } from '@cx/event-store';
import { APPLIED_TOUCHPOINTS, CUSTOMER_PROFILES } from './schema/read-model.schema';

/** A customer's row of `customer_profiles`, as the projector stored it. */
export interface CustomerReadModel {
  readonly customerId: string;
  /** Exactly the `cx derive` / `deriveProfile` JSON. */
  readonly profile: CustomerProfile;
  readonly stageHistory: StageHistory;
  /** Event-store position of the latest event applied to this customer. */
  readonly lastPosition: number;
  readonly updatedAt: string;
}

/** One line of a worklist: the indexed columns of `customer_profiles`, no JSON. */
export interface CustomerSummary {
  readonly customerId: string;
  readonly stage: Stage;
  readonly phase: string;
  readonly status: LifecycleStatus;
  readonly emotionLevel: EmotionLevel;
  readonly emotionScore: number | null;
  readonly loyaltySide: string;
  readonly loyaltyPosition: number;
  readonly touchpoints: number;
  readonly lastPosition: number;
  readonly updatedAt: string;
}

export interface CustomerFilter {
  readonly stage?: Stage;
  readonly status?: LifecycleStatus;
  readonly emotion?: EmotionLevel;
  /** Keyset: only customers whose id sorts after this one. */
  readonly afterCustomerId?: string;
  readonly limit: number;
}

interface ProfileRow {
  customer_id: string;
  profile: CustomerProfile;
  stage_history: StageHistory;
  last_position: string;
  updated_at: Date;
}

interface SummaryRow {
  customer_id: string;
  stage: Stage;
  phase: string;
  status: LifecycleStatus;
  emotion_level: EmotionLevel;
  emotion_score: number | null;
  loyalty_side: string;
  loyalty_position: number;
  touchpoints: number;
  last_position: string;
  updated_at: Date;
}

/** Filter parameter → indexed column; the only names ever put into the SQL text. */
const FILTER_COLUMNS = { stage: 'stage', status: 'status', emotion: 'emotion_level' } as const;

function toReadModel(row: ProfileRow): CustomerReadModel {
  return {
    customerId: row.customer_id,
    profile: row.profile,
    stageHistory: row.stage_history,
    lastPosition: Number(row.last_position),
    updatedAt: row.updated_at.toISOString(),
  };
}

/**
 * The read side of the customer read models: SELECTs only. The projector owns every write to
 * these tables.
 */
export class ReadModelQueries {
  constructor(private readonly pool: Pool) {}

  async findCustomer(customerId: string): Promise<CustomerReadModel | null> {
    const { rows } = await this.pool.query<ProfileRow>(
      `SELECT customer_id, profile, stage_history, last_position, updated_at
         FROM ${CUSTOMER_PROFILES.name} WHERE customer_id = $1`,
      [customerId],
    );
    const row = rows[0];
    return row === undefined ? null : toReadModel(row);
  }

  /**
   * The profile together with the projector's copy of the customer's touchpoints, from one snapshot
   * (the projector writes both in one transaction), so that evidence computed from the touchpoints
   * matches the stored profile.
   */
  async findCustomerWithTouchpoints(
    customerId: string,
  ): Promise<{ readModel: CustomerReadModel; touchpoints: Touchpoint[] } | null> {
    return inTransaction(
      this.pool,
      async (client) => {
        const profile = await client.query<ProfileRow>(
          `SELECT customer_id, profile, stage_history, last_position, updated_at
             FROM ${CUSTOMER_PROFILES.name} WHERE customer_id = $1`,
          [customerId],
        );
        const row = profile.rows[0];
        if (row === undefined) return null;
        const touchpoints = await client.query<{ payload: Touchpoint }>(
          `SELECT payload FROM ${APPLIED_TOUCHPOINTS.name} WHERE customer_id = $1 ORDER BY position`,
          [customerId],
        );
        return { readModel: toReadModel(row), touchpoints: touchpoints.rows.map((r) => r.payload) };
      },
      'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
    );
  }

  /** Customers matching every given filter, ascending by id (keyset pagination). */
  async listCustomers(filter: CustomerFilter): Promise<CustomerSummary[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    for (const key of Object.keys(FILTER_COLUMNS) as (keyof typeof FILTER_COLUMNS)[]) {
      const value = filter[key];
      if (value === undefined) continue;
      params.push(value);
      where.push(`${FILTER_COLUMNS[key]} = $${params.length}`);
    }
    if (filter.afterCustomerId !== undefined) {
      params.push(filter.afterCustomerId);
      where.push(`customer_id > $${params.length}`);
    }
    params.push(filter.limit);
    const { rows } = await this.pool.query<SummaryRow>(
      `SELECT customer_id, stage, phase, status, emotion_level, emotion_score, loyalty_side,
              loyalty_position, touchpoints, last_position, updated_at
         FROM ${CUSTOMER_PROFILES.name}
        ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY customer_id
        LIMIT $${params.length}`,
      params,
    );
    return rows.map((row) => ({
      customerId: row.customer_id,
      stage: row.stage,
      phase: row.phase,
      status: row.status,
      emotionLevel: row.emotion_level,
      emotionScore: row.emotion_score,
      loyaltySide: row.loyalty_side,
      loyaltyPosition: row.loyalty_position,
      touchpoints: row.touchpoints,
      lastPosition: Number(row.last_position),
      updatedAt: row.updated_at.toISOString(),
    }));
  }
}
