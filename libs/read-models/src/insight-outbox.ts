import type { PoolClient } from 'pg';
import type { CustomerEvent } from '@cx/contracts';

/** NOTIFY channel of the insight outbox, so the relay publishes without waiting for its poll. */
export const INSIGHT_CHANNEL = 'cx_insight_outbox';

/** The outbox table of derived events, relayed to `cx.customer-insights.v1` in position order. */
export const INSIGHT_OUTBOX_TABLE = 'insight_outbox';

/** The relay checkpoint of the insight outbox (the migration creates its row). */
export const INSIGHT_CHECKPOINT = 'customer-insights';

/**
 * Serialises inserts into the outbox until COMMIT, for the same reason the event store locks its
 * appends: positions then become visible in order, and the relay never skips one.
 */
const INSIGHT_APPEND_LOCK_KEY = 0x63786969; // 'cxii'

/** Writes derived events into the outbox, in the caller's transaction and in the given order. */
export async function appendInsights(
  client: PoolClient,
  insights: readonly CustomerEvent[],
): Promise<void> {
  if (insights.length === 0) return;
  await client.query('SELECT pg_advisory_xact_lock($1)', [INSIGHT_APPEND_LOCK_KEY]);
  // One JSON document, not text arrays that pg would escape quote by quote.
  await client.query(
    `INSERT INTO ${INSIGHT_OUTBOX_TABLE} (customer_id, event_type, payload)
     SELECT item->>'customerId', item->>'type', item::jsonb
       FROM json_array_elements($1::json) WITH ORDINALITY AS t(item, ord)
      ORDER BY ord`,
    [JSON.stringify(insights)],
  );
  await client.query('SELECT pg_notify($1, $2)', [INSIGHT_CHANNEL, '']);
}
