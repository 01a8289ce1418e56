import type { PoolClient } from 'pg';
import type { ConsentChange, Stage } from '@cx/domain';
import type {
  AnswerFact,
  CancellationFact,
  CustomerAnalytics,
  PurchaseFact,
  StageEntryFact,
} from './analytics.derivation';

/** Where one projection batch reads and writes: the live tables or a rebuild's copies. */
export interface AnalyticsTables {
  readonly customers: string;
  readonly answers: string;
  readonly answerCells: string;
  readonly complaints: string;
  readonly purchases: string;
  readonly revenueCells: string;
  readonly customerValue: string;
  readonly valueByStage: string;
  readonly cancellations: string;
  readonly churnCells: string;
  readonly entries: string;
  readonly entryCells: string;
  readonly stageCounts: string;
  readonly perceptionPairs: string;
  readonly perceptionTotals: string;
  readonly passages: string;
}

/** What a customer contributes now, as stored: what a recomputation takes away first. */
export interface StoredContribution {
  readonly stage: Stage;
  readonly status: string;
  readonly lostAtMs: number | null;
  readonly answers: AnswerFact[];
  readonly purchases: PurchaseFact[];
  readonly cancellations: CancellationFact[];
  readonly entries: StageEntryFact[];
  readonly value: { currency: string; amount: string }[];
  readonly perception: StoredPair[];
}

/** A perception pair as stored: the customer's score as the exact decimal that was added. */
export interface StoredPair {
  readonly touchpointName: string | null;
  readonly channel: string;
  readonly company: number;
  readonly customer: string;
}

const msOf = (column: string): string =>
  `(extract(epoch from ${column}) * 1000)::bigint AS ${column}_ms`;

function push<T>(map: Map<string, T[]>, key: string, item: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [item]);
  else list.push(item);
}

/**
 * Locks the customers' rows (made first where missing, so a concurrent first insert is waited
 * for, never passed) and reads what each contributes now. Customers with no row contribute nothing.
 */
export async function lockAndReadStored(
  client: PoolClient,
  t: AnalyticsTables,
  customers: readonly string[],
): Promise<Map<string, StoredContribution>> {
  await client.query(
    `INSERT INTO ${t.customers} (customer_id, stage, status)
     SELECT unnest($1::text[]), '', '' ON CONFLICT (customer_id) DO NOTHING`,
    [customers],
  );
  const { rows: heads } = await client.query<{
    customer_id: string;
    stage: string;
    status: string;
    lost_at_ms: string | null;
  }>(
    `SELECT customer_id, stage, status, ${msOf('lost_at')} FROM ${t.customers}
      WHERE customer_id = ANY($1::text[]) ORDER BY customer_id FOR UPDATE`,
    [customers],
  );
  const stored = new Map<string, StoredContribution>();
  for (const h of heads) {
    // A row made just now (stage '') has nothing stored yet.
    if (h.stage === '') continue;
    stored.set(h.customer_id, {
      stage: h.stage as Stage,
      status: h.status,
      lostAtMs: h.lost_at_ms === null ? null : Number(h.lost_at_ms),
      answers: [],
      purchases: [],
      cancellations: [],
      entries: [],
      value: [],
      perception: [],
    });
  }
  if (stored.size === 0) return stored;
  const ids = [...stored.keys()];
  const of = (customerId: string): StoredContribution =>
    stored.get(customerId) as StoredContribution;

  const answers = await client.query<{
    customer_id: string;
    touchpoint_id: string;
    occurred_at_ms: string;
    channel: string;
    category: string;
    pillar: string | null;
    touchpoint_name: string | null;
    nps: number | null;
    csat: number | null;
    ces: number | null;
  }>(
    `SELECT customer_id, touchpoint_id, ${msOf('occurred_at')}, channel, category, pillar,
            touchpoint_name, nps, csat, ces
       FROM ${t.answers} WHERE customer_id = ANY($1::text[])`,
    [ids],
  );
  for (const r of answers.rows) {
    of(r.customer_id).answers.push({
      touchpointId: r.touchpoint_id,
      occurredAtMs: Number(r.occurred_at_ms),
      channel: r.channel,
      category: r.category,
      pillar: r.pillar,
      touchpointName: r.touchpoint_name,
      nps: r.nps,
      csat: r.csat,
      ces: r.ces,
    });
  }

  const purchases = await client.query<{
    customer_id: string;
    touchpoint_id: string;
    occurred_at_ms: string;
    currency: string;
    amount: string;
    channel: string;
    category: string;
    pillar: string | null;
    touchpoint_name: string | null;
  }>(
    `SELECT customer_id, touchpoint_id, ${msOf('occurred_at')}, currency, amount::text AS amount,
            channel, category, pillar, touchpoint_name
       FROM ${t.purchases} WHERE customer_id = ANY($1::text[])`,
    [ids],
  );
  for (const r of purchases.rows) {
    of(r.customer_id).purchases.push({
      touchpointId: r.touchpoint_id,
      occurredAtMs: Number(r.occurred_at_ms),
      currency: r.currency,
      amount: r.amount,
      channel: r.channel,
      category: r.category,
      pillar: r.pillar,
      touchpointName: r.touchpoint_name,
    });
  }

  const cancellations = await client.query<{
    customer_id: string;
    touchpoint_id: string;
    occurred_at_ms: string;
  }>(
    `SELECT customer_id, touchpoint_id, ${msOf('occurred_at')}
       FROM ${t.cancellations} WHERE customer_id = ANY($1::text[])`,
    [ids],
  );
  for (const r of cancellations.rows) {
    of(r.customer_id).cancellations.push({
      touchpointId: r.touchpoint_id,
      occurredAtMs: Number(r.occurred_at_ms),
    });
  }

  const entries = await client.query<{
    customer_id: string;
    seq: number;
    stage: string;
    entered_at_ms: string;
    rose: boolean;
  }>(
    `SELECT customer_id, seq, stage, ${msOf('entered_at')}, rose
       FROM ${t.entries} WHERE customer_id = ANY($1::text[])`,
    [ids],
  );
  for (const r of entries.rows) {
    of(r.customer_id).entries.push({
      seq: r.seq,
      stage: r.stage as Stage,
      enteredAtMs: Number(r.entered_at_ms),
      rose: r.rose,
    });
  }

  const value = await client.query<{ customer_id: string; currency: string; amount: string }>(
    `SELECT customer_id, currency, amount::text AS amount
       FROM ${t.customerValue} WHERE customer_id = ANY($1::text[])`,
    [ids],
  );
  for (const r of value.rows) {
    of(r.customer_id).value.push({ currency: r.currency, amount: r.amount });
  }

  const perception = await client.query<{
    customer_id: string;
    touchpoint_name: string | null;
    channel: string;
    company: number;
    customer: string;
  }>(
    `SELECT customer_id, touchpoint_name, channel, company, customer::text AS customer
       FROM ${t.perceptionPairs} WHERE customer_id = ANY($1::text[])`,
    [ids],
  );
  for (const r of perception.rows) {
    of(r.customer_id).perception.push({
      touchpointName: r.touchpoint_name,
      channel: r.channel,
      company: r.company,
      customer: r.customer,
    });
  }
  return stored;
}

/** Consent changes of the customers, from the event store's table (same database). */
export async function consentsOf(
  client: PoolClient,
  customers: readonly string[],
): Promise<Map<string, ConsentChange[]>> {
  const { rows } = await client.query<{
    customer_id: string;
    consent_id: string;
    purpose: string;
    status: 'granted' | 'withdrawn';
    effective_at: Date;
  }>(
    `SELECT customer_id, consent_id, purpose, status, effective_at
       FROM consent_events WHERE customer_id = ANY($1::text[])`,
    [customers],
  );
  const out = new Map<string, ConsentChange[]>();
  for (const r of rows) {
    push(out, r.customer_id, {
      consentId: r.consent_id,
      purpose: r.purpose,
      status: r.status,
      effectiveAt: r.effective_at.toISOString(),
    });
  }
  return out;
}

const at = (column: string): string => `timestamptz 'epoch' + ${column} * interval '1 millisecond'`;

/** Replaces the customers' fact rows with what they contribute now. */
export async function replaceFacts(
  client: PoolClient,
  t: AnalyticsTables,
  customers: readonly string[],
  gone: readonly string[],
  now: readonly CustomerAnalytics[],
): Promise<void> {
  for (const table of [
    t.answers,
    t.complaints,
    t.purchases,
    t.cancellations,
    t.entries,
    t.customerValue,
    t.perceptionPairs,
    t.passages,
  ]) {
    await client.query(`DELETE FROM ${table} WHERE customer_id = ANY($1::text[])`, [customers]);
  }
  if (gone.length > 0) {
    await client.query(`DELETE FROM ${t.customers} WHERE customer_id = ANY($1::text[])`, [gone]);
  }
  if (now.length === 0) return;
  await client.query(
    `INSERT INTO ${t.customers} (customer_id, stage, status, lost_at)
     SELECT c, stage, status, ${at('"lostAtMs"')}
       FROM json_to_recordset($1::json) AS r(c text, stage text, status text, "lostAtMs" bigint)
     ON CONFLICT (customer_id) DO UPDATE SET
       stage = EXCLUDED.stage, status = EXCLUDED.status, lost_at = EXCLUDED.lost_at`,
    [
      JSON.stringify(
        now.map((c) => ({
          c: c.customerId,
          stage: c.stage,
          status: c.status,
          lostAtMs: c.lostAtMs,
        })),
      ),
    ],
  );
  await insertJson(
    client,
    t.answers,
    'customer_id, touchpoint_id, occurred_at, channel, category, pillar, touchpoint_name, nps, csat, ces',
    `c, "touchpointId", ${at('"occurredAtMs"')}, channel, category, pillar, "touchpointName", nps, csat, ces`,
    'c text, "touchpointId" text, "occurredAtMs" bigint, channel text, category text, pillar text, "touchpointName" text, nps smallint, csat smallint, ces smallint',
    now.flatMap((c) => c.answers.map((a) => ({ c: c.customerId, ...a }))),
  );
  await insertJson(
    client,
    t.complaints,
    'customer_id, complaint_id, channel, opened_at, resolved_at, resolve_ms, within_sla',
    `c, "complaintId", channel, ${at('"openedAtMs"')}, ${at('"resolvedAtMs"')}, "resolveMs", "withinSla"`,
    'c text, "complaintId" text, channel text, "openedAtMs" bigint, "resolvedAtMs" bigint, "resolveMs" bigint, "withinSla" boolean',
    now.flatMap((c) => c.complaints.map((x) => ({ c: c.customerId, ...x }))),
  );
  await insertJson(
    client,
    t.purchases,
    'customer_id, touchpoint_id, occurred_at, currency, amount, channel, category, pillar, touchpoint_name',
    `c, "touchpointId", ${at('"occurredAtMs"')}, currency, amount::numeric, channel, category, pillar, "touchpointName"`,
    'c text, "touchpointId" text, "occurredAtMs" bigint, currency text, amount text, channel text, category text, pillar text, "touchpointName" text',
    now.flatMap((c) => c.purchases.map((p) => ({ c: c.customerId, ...p }))),
  );
  await insertJson(
    client,
    t.cancellations,
    'customer_id, touchpoint_id, occurred_at',
    `c, "touchpointId", ${at('"occurredAtMs"')}`,
    'c text, "touchpointId" text, "occurredAtMs" bigint',
    now.flatMap((c) => c.cancellations.map((x) => ({ c: c.customerId, ...x }))),
  );
  await insertJson(
    client,
    t.entries,
    'customer_id, seq, stage, entered_at, rose',
    `c, seq, stage, ${at('"enteredAtMs"')}, rose`,
    'c text, seq int, stage text, "enteredAtMs" bigint, rose boolean',
    now.flatMap((c) => c.entries.map((e) => ({ c: c.customerId, ...e }))),
  );
  await insertJson(
    client,
    t.customerValue,
    'customer_id, currency, amount, purchases',
    'c, currency, trim_scale(sum(amount::numeric)), count(*)',
    'c text, currency text, amount text',
    now.flatMap((c) =>
      c.purchases.map((p) => ({ c: c.customerId, currency: p.currency, amount: p.amount })),
    ),
    'c, currency',
  );
  await insertJson(
    client,
    t.perceptionPairs,
    'customer_id, touchpoint_id, touchpoint_name, channel, company, customer',
    'c, "touchpointId", "touchpointName", channel, company, customer::numeric',
    'c text, "touchpointId" text, "touchpointName" text, channel text, company smallint, customer text',
    now.flatMap((c) =>
      c.perception.map((p) => ({
        c: c.customerId,
        touchpointId: p.touchpointId,
        touchpointName: p.touchpointName,
        channel: p.channel,
        company: p.company,
        customer: String(p.customer),
      })),
    ),
  );
  await insertPassages(client, t.passages, now);
}

async function insertPassages(
  client: PoolClient,
  table: string,
  now: readonly CustomerAnalytics[],
): Promise<void> {
  await insertJson(
    client,
    table,
    'customer_id, touchpoint_id, touchpoint_name, occurred_at, flagged, valence_sum, signals, dropped, rose',
    `c, "touchpointId", "touchpointName", ${at('at')}, flagged, "valenceSum"::numeric, signals, dropped, rose`,
    'c text, "touchpointId" text, "touchpointName" text, at bigint, flagged boolean, "valenceSum" text, signals int, dropped boolean, rose boolean',
    now.flatMap((c) =>
      c.passages.map((p) => ({ c: c.customerId, ...p, valenceSum: String(p.valenceSum) })),
    ),
  );
}

async function insertJson(
  client: PoolClient,
  table: string,
  columns: string,
  select: string,
  record: string,
  rows: readonly object[],
  groupBy?: string,
): Promise<void> {
  if (rows.length === 0) return;
  await client.query(
    `INSERT INTO ${table} (${columns})
     SELECT ${select} FROM json_to_recordset($1::json) AS r(${record})
     ${groupBy === undefined ? '' : `GROUP BY ${groupBy}`}`,
    [JSON.stringify(rows)],
  );
}
