import { createHash, randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { categoryOf, type Channel, type Touchpoint } from '@cx/domain';
import { splitPersonalFields, toTouchpointMessage, type TouchpointMessage } from '@cx/contracts';

/**
 * The benchmark's touchpoints: five kinds in turn (exposure, inquiry, purchase, feedback with
 * personal free text, survey), about 250 bytes of JSON each, all valid for ingestion. `prefix`
 * keeps ids unique between repetitions and variants.
 */
export function touchpoint(prefix: string, customer: number, n: number): Touchpoint {
  const customerId = `${prefix}c${customer}`;
  const occurredAt = new Date(
    Date.UTC(2024, 0, 1) + (customer % 10_000) * 60_000 + n * 3_600_000,
  ).toISOString();
  const on = (channel: Channel): { channel: Channel; category: ReturnType<typeof categoryOf> } => ({
    channel,
    category: categoryOf(channel),
  });
  const base = {
    touchpointId: `${customerId}-${n}`,
    customerId,
    occurredAt,
    touchpointName: `bench-step-${n % 7}`,
    source: 'cx-bench',
  };
  switch (n % 5) {
    case 0:
      return { ...base, ...on('web'), interaction: 'exposure' };
    case 1:
      return { ...base, ...on('email'), interaction: 'inquiry' };
    case 2:
      return { ...base, ...on('sales'), interaction: 'purchase' };
    case 3:
      return {
        ...base,
        ...on('chat'),
        interaction: 'feedback',
        emotion: n % 2 === 0 ? 'enjoyment' : 'decline',
        text: 'The agent answered quickly and solved it.',
      };
    default:
      return { ...base, ...on('web'), interaction: 'survey_response', survey: { nps: n % 11 } };
  }
}

/** `count` touchpoints over `customers` customers, customers interleaved (one event each in turn). */
export function touchpoints(
  prefix: string,
  from: number,
  count: number,
  customers: number,
): Touchpoint[] {
  const people = Math.max(1, Math.floor(customers));
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return touchpoint(prefix, i % people, Math.floor(i / people));
  });
}

/** Splits `items` into lists of `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A `touchpoint_events` row as the event store writes it, for the raw references. */
export interface EventRow {
  readonly id: string;
  readonly customer: string;
  readonly occurred: string;
  readonly interaction: string;
  readonly channel: string;
  readonly payload: string;
  readonly personal: string | null;
  readonly digest: string;
}

/** A stand-in for sealed personal data, of the sealed JSON's shape and size. */
function fakeSealed(clear: string): string {
  return JSON.stringify({
    keyId: '00000000-0000-4000-8000-000000000000',
    alg: 'AES-256-GCM',
    iv: randomBytes(12).toString('base64'),
    tag: randomBytes(16).toString('base64'),
    data: randomBytes(Buffer.byteLength(clear)).toString('base64'),
  });
}

export function eventRow(tp: Touchpoint): EventRow {
  const { publicPart, personal } = splitPersonalFields(tp);
  const payload = JSON.stringify(publicPart);
  return {
    id: tp.touchpointId,
    customer: tp.customerId,
    occurred: tp.occurredAt,
    interaction: tp.interaction,
    channel: tp.channel,
    payload,
    personal: personal === null ? null : fakeSealed(JSON.stringify(personal)),
    digest: `${createHash('sha256').update(payload).digest('hex')}:-`,
  };
}

export const EVENT_COLUMNS =
  'touchpoint_id, customer_id, occurred_at, interaction, channel, payload, personal, payload_digest';

/** The rows as the arrays of an `INSERT … SELECT FROM unnest($1 … $8)`. */
export function unnestParams(rows: readonly EventRow[]): (string | null)[][] {
  return [
    rows.map((r) => r.id),
    rows.map((r) => r.customer),
    rows.map((r) => r.occurred),
    rows.map((r) => r.interaction),
    rows.map((r) => r.channel),
    rows.map((r) => r.payload),
    rows.map((r) => r.personal),
    rows.map((r) => r.digest),
  ];
}

export function unnestInsert(table: string): string {
  return `INSERT INTO ${table} (${EVENT_COLUMNS})
          SELECT id, customer, occurred::timestamptz, interaction, channel, payload::jsonb, personal::jsonb, digest
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
                 AS t(id, customer, occurred, interaction, channel, payload, personal, digest)`;
}

function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return value.replace(/[\\\n\r\t]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t',
  );
}

/** The rows in COPY's text format. */
export function copyText(rows: readonly EventRow[]): string {
  return rows
    .map(
      (r) =>
        [r.id, r.customer, r.occurred, r.interaction, r.channel, r.payload, r.personal, r.digest]
          .map(copyField)
          .join('\t') + '\n',
    )
    .join('');
}

/** `COPY table (columns) FROM STDIN` of the rows on one pooled connection. */
export async function copyRows(
  pool: Pool,
  table: string,
  rows: readonly EventRow[],
): Promise<void> {
  const client = await pool.connect();
  try {
    const sink = client.query(copyFrom(`COPY ${table} (${EVENT_COLUMNS}) FROM STDIN`));
    await pipeline(Readable.from([copyText(rows)]), sink);
  } finally {
    client.release();
  }
}

/**
 * Fills the event store directly (COPY, bypassing the product) with `count` events over
 * `customers` customers, 10,000 rows per COPY, and optionally the projector's ledger with them
 * (the rebuild only takes events the live projector applied).
 */
export async function seedEvents(
  pool: Pool,
  prefix: string,
  count: number,
  customers: number,
  options: { ledger?: boolean } = {},
): Promise<void> {
  for (let from = 0; from < count; from += 10_000) {
    const rows = touchpoints(prefix, from, Math.min(10_000, count - from), customers).map(eventRow);
    await copyRows(pool, 'touchpoint_events', rows);
  }
  if (options.ledger) {
    await pool.query(
      `INSERT INTO projection_touchpoints (touchpoint_id, customer_id, position, payload)
       SELECT touchpoint_id, customer_id, position, payload FROM touchpoint_events`,
    );
  }
  await pool.query('ANALYZE touchpoint_events');
}

/** The Kafka message the relay would publish for a touchpoint at `position`. */
export function messageOf(tp: Touchpoint, position: number): TouchpointMessage {
  const { publicPart } = splitPersonalFields(tp);
  return toTouchpointMessage({
    ...publicPart,
    position,
    recordedAt: new Date().toISOString(),
    personal: null,
  });
}
