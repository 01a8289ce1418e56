import type { Pool } from 'pg';
import { inTransaction } from '@cx/event-store';
import { ProjectionEngine, type PositionedTouchpoint } from '@cx/read-models';
import { projections } from '../../apps/projector/src/projections/projection-registry';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';

export type QueryTestDatabase = ScratchDatabase;

/** A fresh, migrated database for one test file, so its rows and positions are its own. */
export function createQueryTestDatabase(): Promise<QueryTestDatabase> {
  return createScratchDatabase('cx_query');
}

/**
 * Applies touchpoints to the read models exactly as the projector does once it has consumed them
 * (the same engine and projections, without Kafka), so query tests need no running projector.
 */
export async function seedReadModel(
  pool: Pool,
  touchpoints: readonly PositionedTouchpoint[],
): Promise<void> {
  if (touchpoints.length === 0) throw new RangeError('nothing to seed');
  const engine = new ProjectionEngine(
    pool,
    'query-tests',
    projections({ optInPurposes: new Set() }),
  );
  await inTransaction(pool, (client) => engine.applyInTransaction(client, touchpoints));
}
