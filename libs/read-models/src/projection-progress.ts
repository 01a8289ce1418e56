import type { Pool } from 'pg';
import { TOUCHPOINT_EVENTS_TABLE } from '@cx/event-store';
import { APPLIED_TOUCHPOINTS } from './schema/read-model.schema';

/** NOTIFY channel of every projector commit that applied something, for read-your-writes waiters. */
export const PROJECTION_PROGRESS_CHANNEL = 'cx_projection_progress';

/** The lowest position in a range whose stored touchpoint is not applied to the read models yet. */
const UNAPPLIED = `
  SELECT e.position FROM ${TOUCHPOINT_EVENTS_TABLE} e
   WHERE e.position > $1 AND e.position <= $2
     AND NOT EXISTS (SELECT 1 FROM ${APPLIED_TOUCHPOINTS.name} a WHERE a.touchpoint_id = e.touchpoint_id)
   ORDER BY e.position LIMIT 1`;

/**
 * Whether the read models reflect every stored event up to a position. A position is counted once
 * it is settled (see `EventStore.settledPosition`): an event committed at or below it is applied,
 * a rolled-back hole is simply not there, and one still in flight keeps the answer `false`.
 */
export class ProjectionProgress {
  /** Every stored event up to here is applied (only grows: the ledger only ever gains rows). */
  private appliedThrough = 0;

  constructor(private readonly pool: Pool) {}

  /** Every event of the customer with a position up to `position` is applied. */
  async customerCaughtUp(customerId: string, position: number, settled: number): Promise<boolean> {
    if (settled < position) return false;
    if (position <= this.appliedThrough) return true;
    const { rows } = await this.pool.query<{ missing: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM ${TOUCHPOINT_EVENTS_TABLE} e
          WHERE e.customer_id = $1 AND e.position <= $2
            AND NOT EXISTS (SELECT 1 FROM ${APPLIED_TOUCHPOINTS.name} a
                             WHERE a.touchpoint_id = e.touchpoint_id)) AS missing`,
      [customerId, position],
    );
    return rows[0]?.missing === false;
  }

  /** Every stored event with a position up to `position` is applied, whoever it concerns. */
  async allCaughtUp(position: number, settled: number): Promise<boolean> {
    if (position <= this.appliedThrough) return true;
    const upTo = Math.min(position, settled);
    const { rows } = await this.pool.query<{ first: string | null }>(
      `SELECT (${UNAPPLIED}) AS first`,
      [this.appliedThrough, upTo],
    );
    const first = rows[0]?.first ?? null;
    // Everything below the first unapplied event (or up to `upTo`) is applied: start there next time.
    const through = first === null ? upTo : Number(first) - 1;
    this.appliedThrough = Math.max(this.appliedThrough, through);
    return first === null && settled >= position;
  }
}
