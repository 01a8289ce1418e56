import {
  CATEGORIES,
  CHANNELS,
  INTERACTIONS,
  categoryOf,
  type Category,
  type Channel,
  type Interaction,
  type Touchpoint,
} from '@cx/domain';
import { REQUIRED_ON } from '../touchpoints/interaction-fields';
import { PERSONAL_FIELDS, type PersonalField } from '../touchpoints/personal-fields';
import { traceHeaders, type TraceCarrier } from '../tracing/trace-context';

/**
 * `cx.touchpoint.recorded.v1`: a touchpoint committed to the event store, as the outbox relay publishes
 * it on `cx.touchpoints.v1` (CloudEvents 1.0, Kafka binary mode: `ce_*` headers, JSON value).
 * Personal fields never travel in clear: they are sealed with the customer's key, so a data team can
 * consume the topic without seeing them, and crypto-shredding the key makes every copy unreadable.
 */
export const TOUCHPOINT_RECORDED_TYPE = 'cx.touchpoint.recorded.v1';
export const TOUCHPOINT_RECORDED_SOURCE = '/cx-journey/ingestion';

/** The personal part of a touchpoint, the clear text that gets sealed. */
export type PersonalFields = Partial<Pick<Touchpoint, PersonalField>>;

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A touchpoint without its personal fields. */
export type PublicTouchpoint = DistributiveOmit<Touchpoint, PersonalField>;

export interface SealedPersonalData {
  /** Identifies the customer's data key (one per customer). */
  readonly keyId: string;
  readonly alg: 'AES-256-GCM';
  /** base64 of the 12-byte nonce. */
  readonly iv: string;
  /** base64 of the 16-byte authentication tag. */
  readonly tag: string;
  /** base64 of the ciphertext of the JSON of {@link PersonalFields}. */
  readonly data: string;
}

export type TouchpointRecordedV1 = PublicTouchpoint & {
  /** Global position in the event store: ascending per customer in publication order. */
  readonly position: number;
  /** ISO-8601 instant the event store committed the touchpoint. */
  readonly recordedAt: string;
  readonly personal: SealedPersonalData | null;
};

export interface TouchpointMessage {
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

/** Structurally compatible with kafkajs' `KafkaMessage`, without depending on kafkajs here. */
export interface IncomingTouchpointMessage {
  readonly key?: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

export type ParsedTouchpointMessage =
  { ok: true; event: TouchpointRecordedV1; touchpoint: Touchpoint } | { ok: false; reason: string };

export function splitPersonalFields(touchpoint: Touchpoint): {
  publicPart: PublicTouchpoint;
  personal: PersonalFields | null;
} {
  const { text, attributes, ...publicPart } = touchpoint;
  const personal: { text?: string; attributes?: Touchpoint['attributes'] } = {};
  if (text !== undefined) personal.text = text;
  if (attributes !== undefined) personal.attributes = attributes;
  return {
    publicPart: publicPart,
    personal: Object.keys(personal).length > 0 ? personal : null,
  };
}

/**
 * The Kafka message of an event; `trace`, the event's stored trace context, travels in the
 * CloudEvents distributed-tracing headers (`ce_traceparent`, `ce_tracestate`) when there is one.
 */
export function toTouchpointMessage(
  event: TouchpointRecordedV1,
  trace: TraceCarrier | null = null,
): TouchpointMessage {
  return {
    key: event.customerId,
    value: Buffer.from(JSON.stringify(event), 'utf8'),
    headers: {
      ce_specversion: '1.0',
      ce_id: event.touchpointId,
      ce_type: TOUCHPOINT_RECORDED_TYPE,
      ce_source: TOUCHPOINT_RECORDED_SOURCE,
      ce_subject: event.customerId,
      ce_time: event.occurredAt,
      'content-type': 'application/json',
      ...traceHeaders(trace),
    },
  };
}

function headerText(
  headers: IncomingTouchpointMessage['headers'],
  name: string,
): string | undefined {
  const raw = headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isIsoInstant(value: unknown): value is string {
  return typeof value === 'string' && ISO_INSTANT.test(value) && !Number.isNaN(Date.parse(value));
}

function checkSealed(value: unknown): string | null {
  if (value === null) return null;
  if (!isRecord(value)) return 'personal must be null or an object';
  if (typeof value.keyId !== 'string' || value.keyId.length === 0) return 'personal.keyId missing';
  if (value.alg !== 'AES-256-GCM') return 'personal.alg must be AES-256-GCM';
  for (const field of ['iv', 'tag', 'data'] as const) {
    const part = value[field];
    if (typeof part !== 'string' || !BASE64.test(part)) return `personal.${field} must be base64`;
  }
  return null;
}

/**
 * Envelope-level checks on the public touchpoint: enough for a consumer to rely on the fields the
 * model reads. The full rules of `parseTouchpoint` ran once at ingestion, before the event store
 * took the event, and cannot run again here: the personal fields are sealed, so e.g. a `feedback`
 * whose only content is `text` would look empty to them.
 */
function checkTouchpoint(value: Record<string, unknown>): string | null {
  for (const field of ['touchpointId', 'customerId'] as const) {
    const id = value[field];
    if (typeof id !== 'string' || id.length === 0) return `${field} must be a non-empty string`;
  }
  if (!isIsoInstant(value.occurredAt)) return 'occurredAt must be an ISO-8601 UTC instant';
  if (!(CHANNELS as readonly unknown[]).includes(value.channel)) return 'channel is unknown';
  if (!(CATEGORIES as readonly unknown[]).includes(value.category)) return 'category is unknown';
  if (categoryOf(value.channel as Channel) !== (value.category as Category)) {
    return 'category disagrees with channel';
  }
  if (!(INTERACTIONS as readonly unknown[]).includes(value.interaction)) {
    return 'interaction is unknown';
  }
  const interaction = value.interaction as Interaction;
  for (const field of REQUIRED_ON[interaction] ?? []) {
    if (typeof value[field] !== 'string') return `${field} is required for ${interaction}`;
  }
  for (const field of PERSONAL_FIELDS) {
    if (field in value) return `${field} is personal data and must not travel in clear`;
  }
  return null;
}

export function parseTouchpointMessage(
  message: IncomingTouchpointMessage,
): ParsedTouchpointMessage {
  const type = headerText(message.headers, 'ce_type');
  if (type !== undefined && type !== TOUCHPOINT_RECORDED_TYPE) {
    return { ok: false, reason: `unexpected ce_type ${type}` };
  }
  if (message.value === null) return { ok: false, reason: 'empty value (tombstone)' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(
      typeof message.value === 'string' ? message.value : message.value.toString('utf8'),
    );
  } catch {
    return { ok: false, reason: 'value is not JSON' };
  }
  if (!isRecord(parsed)) return { ok: false, reason: 'value must be a JSON object' };
  const { position, recordedAt, personal, ...rest } = parsed;
  if (typeof position !== 'number' || !Number.isSafeInteger(position) || position < 1) {
    return { ok: false, reason: 'position must be a positive integer' };
  }
  if (!isIsoInstant(recordedAt))
    return { ok: false, reason: 'recordedAt must be an ISO-8601 instant' };
  const sealedProblem = checkSealed(personal);
  if (sealedProblem !== null) return { ok: false, reason: sealedProblem };
  const touchpointProblem = checkTouchpoint(rest);
  if (touchpointProblem !== null) return { ok: false, reason: touchpointProblem };
  const id = headerText(message.headers, 'ce_id');
  if (id !== undefined && id !== rest.touchpointId) {
    return { ok: false, reason: 'ce_id disagrees with touchpointId' };
  }
  const touchpoint = rest as unknown as Touchpoint;
  const event = parsed as unknown as TouchpointRecordedV1;
  return { ok: true, event, touchpoint };
}
