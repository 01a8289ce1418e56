import type { Pool } from 'pg';
import { deriveProfile, deriveStageHistory, type Touchpoint } from '@cx/domain';
import { splitPersonalFields } from '@cx/contracts';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';

export type QueryTestDatabase = ScratchDatabase;

/** A fresh, migrated database for one test file, so its rows and positions are its own. */
export function createQueryTestDatabase(): Promise<QueryTestDatabase> {
  return createScratchDatabase('cx_query');
}

/**
 * Writes what the projector would write for one customer, computed by the domain library itself:
 * the public touchpoints with their event-store positions, and the profile row.
 */
export async function seedReadModel(
  pool: Pool,
  touchpoints: readonly { touchpoint: Touchpoint; position: number }[],
): Promise<void> {
  const first = touchpoints[0];
  if (first === undefined) throw new RangeError('nothing to seed');
  const all = touchpoints.map((t) => t.touchpoint);
  const profile = deriveProfile(all);
  const history = deriveStageHistory(all);
  const lastPosition = Math.max(...touchpoints.map((t) => t.position));
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (const { touchpoint, position } of touchpoints) {
      await client.query(
        `INSERT INTO projection_touchpoints (touchpoint_id, customer_id, position, payload)
         VALUES ($1, $2, $3, $4) ON CONFLICT (touchpoint_id) DO NOTHING`,
        [
          touchpoint.touchpointId,
          touchpoint.customerId,
          position,
          JSON.stringify(splitPersonalFields(touchpoint).publicPart),
        ],
      );
    }
    await client.query(
      `INSERT INTO customer_profiles (customer_id, profile, stage_history, stage, phase, status, emotion_level,
         emotion_score, loyalty_side, loyalty_position, touchpoints, last_position)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (customer_id) DO UPDATE SET profile = EXCLUDED.profile, stage_history = EXCLUDED.stage_history,
         stage = EXCLUDED.stage, phase = EXCLUDED.phase, status = EXCLUDED.status,
         emotion_level = EXCLUDED.emotion_level, emotion_score = EXCLUDED.emotion_score,
         loyalty_side = EXCLUDED.loyalty_side, loyalty_position = EXCLUDED.loyalty_position,
         touchpoints = EXCLUDED.touchpoints, last_position = EXCLUDED.last_position, updated_at = now()`,
      [
        profile.customerId,
        JSON.stringify(profile),
        JSON.stringify(history),
        profile.stage,
        profile.phase,
        profile.status,
        profile.emotion.level,
        profile.emotion.score,
        profile.loyalty.side,
        profile.loyalty.position,
        profile.touchpoints,
        lastPosition,
      ],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}
