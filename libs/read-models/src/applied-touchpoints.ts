import type { PoolClient } from 'pg';
import { splitPersonalFields } from '@cx/contracts';
import type { Touchpoint } from '@cx/domain';
import type { PositionedTouchpoint } from './projection';

interface AppliedRow {
  position: string;
  payload: Touchpoint;
}

/**
 * Adds touchpoints to an applied-touchpoints table and returns those that were not in it yet, in
 * the order given: the touchpoints new to the read models. Only the public part is kept.
 */
export async function recordApplied(
  client: PoolClient,
  table: string,
  items: readonly PositionedTouchpoint[],
): Promise<PositionedTouchpoint[]> {
  const unique = new Map<string, PositionedTouchpoint>();
  for (const item of items) {
    if (!unique.has(item.touchpoint.touchpointId)) unique.set(item.touchpoint.touchpointId, item);
  }
  if (unique.size === 0) return [];
  const list = [...unique.values()].map((item) => ({
    position: item.position,
    touchpoint: splitPersonalFields(item.touchpoint).publicPart,
  }));
  // One JSON document rather than text arrays: pg would escape every quote of every payload
  // into an array literal, which the projector's profile showed as its largest single cost.
  const { rows } = await client.query<{ touchpoint_id: string }>(
    `INSERT INTO ${table} (touchpoint_id, customer_id, position, payload)
     SELECT t.payload->>'touchpointId', t.payload->>'customerId', t.position, t.payload
       FROM json_to_recordset($1::json) AS t(position bigint, payload jsonb)
     ON CONFLICT (touchpoint_id) DO NOTHING
     RETURNING touchpoint_id`,
    [JSON.stringify(list.map((i) => ({ position: i.position, payload: i.touchpoint })))],
  );
  const inserted = new Set(rows.map((r) => r.touchpoint_id));
  return list.filter((item) => inserted.has(item.touchpoint.touchpointId));
}

/** The applied touchpoints of some customers, by customer, in position order. */
export async function readHistories(
  client: PoolClient,
  table: string,
  customers: readonly string[],
): Promise<Map<string, PositionedTouchpoint[]>> {
  const { rows } = await client.query<AppliedRow & { customer_id: string }>(
    `SELECT customer_id, position, payload FROM ${table}
      WHERE customer_id = ANY($1::text[]) ORDER BY customer_id, position`,
    [customers],
  );
  const histories = new Map<string, PositionedTouchpoint[]>();
  for (const row of rows) {
    const item = { touchpoint: row.payload, position: Number(row.position) };
    const history = histories.get(row.customer_id);
    if (history === undefined) histories.set(row.customer_id, [item]);
    else history.push(item);
  }
  return histories;
}

/**
 * A batch's reads of customer histories, shared by its projections: each customer's history is
 * read once per transaction, whichever projections ask for it. The applied-touchpoints table does
 * not change after the batch recorded its touchpoints, so what was read stays true until COMMIT.
 * Callers must not change the lists they are given.
 */
export class BatchHistories {
  private readonly known = new Map<string, readonly PositionedTouchpoint[]>();

  constructor(
    private readonly client: PoolClient,
    private readonly table: string,
  ) {}

  /** The applied histories of these customers, in position order; none for a customer without. */
  async of(customers: readonly string[]): Promise<Map<string, readonly PositionedTouchpoint[]>> {
    const missing = [...new Set(customers)].filter((c) => !this.known.has(c));
    if (missing.length > 0) {
      const read = await readHistories(this.client, this.table, missing);
      for (const customerId of missing) this.known.set(customerId, read.get(customerId) ?? []);
    }
    const histories = new Map<string, readonly PositionedTouchpoint[]>();
    for (const customerId of customers) {
      const history = this.known.get(customerId) ?? [];
      if (history.length > 0) histories.set(customerId, history);
    }
    return histories;
  }
}
