import type { Pool } from 'pg';
import { TOUCHPOINT_EVENTS_TABLE } from '@cx/event-store';
import { APPLIED_TOUCHPOINTS } from './schema/read-model.schema';

/** NOTIFY channel of every projector commit that applied something, for read-your-writes waiters. */
export const PROJECTION_PROGRESS_CHANNEL = 'cx_projection_progress';

/** A read waiting for the projection: one customer's events, or (`customerId` null) every event. */
export interface AwaitedRead {
  readonly customerId: string | null;
  readonly position: number;
}

/**
 * One statement for every waiting read, so a check costs one round trip however many wait.
 * `first`: the lowest position in ($1, $2] whose stored touchpoint is not applied yet (null when
 * none; $1 = $2 asks nothing). `behind`: the 1-based indexes of the (customer $3[i], position
 * $4[i]) pairs that still have an unapplied event of that customer at or below that position.
 * Each customer is looked up by LATERAL … LIMIT 1, which the planner cannot turn into one join of
 * both whole tables: without statistics (a freshly filled database) it did that, scanning every
 * event and ledger row per check instead of a few index entries per waiting customer.
 */
const CAUGHT_UP_SQL = `
  SELECT
    (SELECT e.position FROM ${TOUCHPOINT_EVENTS_TABLE} e
      WHERE e.position > $1 AND e.position <= $2
        AND NOT EXISTS (SELECT 1 FROM ${APPLIED_TOUCHPOINTS.name} a
                         WHERE a.touchpoint_id = e.touchpoint_id)
      ORDER BY e.position LIMIT 1) AS first,
    ARRAY(
      SELECT w.i::int FROM unnest($3::text[], $4::bigint[]) WITH ORDINALITY AS w(customer_id, upto, i)
       CROSS JOIN LATERAL (
         SELECT 1 FROM ${TOUCHPOINT_EVENTS_TABLE} e
          WHERE e.customer_id = w.customer_id AND e.position <= w.upto
            AND NOT EXISTS (SELECT 1 FROM ${APPLIED_TOUCHPOINTS.name} a
                             WHERE a.touchpoint_id = e.touchpoint_id)
          LIMIT 1) AS unapplied) AS behind`;

/**
 * Whether the read models reflect every stored event up to a position. A position is counted once
 * it is settled (see `EventStore.settledPosition`): an event committed at or below it is applied,
 * a rolled-back hole is simply not there, and one still in flight keeps the answer `false`.
 */
export class ProjectionProgress {
  /** Every stored event up to here is applied (only grows: the ledger only ever gains rows). */
  private appliedThrough = 0;

  constructor(private readonly pool: Pool) {}

  /**
   * For each read, in order, whether it is caught up, answered by at most one query: a customer
   * read once every event of that customer up to its position is applied (and the position is
   * settled), an `all` read once every stored event up to its position is.
   */
  async caughtUp(reads: readonly AwaitedRead[], settled: number): Promise<boolean[]> {
    const watermark = this.appliedThrough;
    const asked = customersToAsk(reads, settled, watermark);
    // The `all` reads share one scan from the watermark; it stops at what is settled, so a
    // position still in flight is never counted as applied.
    const highestAll = Math.max(0, ...reads.filter(isAll).map((read) => read.position));
    const allUpTo = Math.min(highestAll, settled);
    const scanAll = allUpTo > watermark;
    const behind = new Set<string>();
    if (scanAll || asked.size > 0) {
      const pairs = [...asked.values()];
      const { rows } = await this.pool.query<{ first: string | null; behind: number[] }>(
        CAUGHT_UP_SQL,
        [
          watermark,
          scanAll ? allUpTo : watermark,
          pairs.map((pair) => pair.customerId),
          pairs.map((pair) => pair.position),
        ],
      );
      const first = rows[0]?.first ?? null;
      if (scanAll) {
        // Everything below the first unapplied event (or up to `allUpTo`) is applied: start there next time.
        const through = first === null ? allUpTo : Number(first) - 1;
        this.appliedThrough = Math.max(this.appliedThrough, through);
      }
      const keys = [...asked.keys()];
      for (const i of rows[0]?.behind ?? []) behind.add(keys[i - 1] ?? '');
    }
    return reads.map(({ customerId, position }) => {
      if (customerId === null) return position <= this.appliedThrough;
      if (settled < position) return false;
      return position <= watermark || !behind.has(pairKey(customerId, position));
    });
  }
}

function isAll(read: AwaitedRead): boolean {
  return read.customerId === null;
}

/** The customer reads the watermark cannot answer and `settled` does not rule out, each once. */
function customersToAsk(
  reads: readonly AwaitedRead[],
  settled: number,
  watermark: number,
): Map<string, { readonly customerId: string; readonly position: number }> {
  const asked = new Map<string, { customerId: string; position: number }>();
  for (const { customerId, position } of reads) {
    if (customerId === null || position > settled || position <= watermark) continue;
    asked.set(pairKey(customerId, position), { customerId, position });
  }
  return asked;
}

function pairKey(customerId: string, position: number): string {
  return `${position}:${customerId}`;
}
