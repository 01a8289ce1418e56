import type { Touchpoint } from '@cx/domain';
import type { ValidationIssue } from '../errors/error-body';
import { parseStrictJson } from '../json/strict-json';
import { decodeUtf8Strict } from '../json/strict-utf8';
import { parseTouchpoint } from './parse-touchpoint';

/**
 * The largest touchpoint accepted, in bytes of JSON: the REST single-body limit, and the limit of
 * a value on the inbound topic (a touchpoint is at most ~300 KB; 1 MB leaves room).
 */
export const TOUCHPOINT_MAX_BYTES = 1024 * 1024;

/** `ce_type` of a touchpoint sent to `cx.touchpoints.inbound.v1` in CloudEvents binary mode. */
export const TOUCHPOINT_SUBMITTED_TYPE = 'cx.touchpoint.submitted.v1';

/** Why a message of the inbound topic was dead-lettered; stable, snake_case. */
export const DEAD_LETTER_CODES = [
  'invalid_json',
  'invalid_touchpoint',
  'payload_too_large',
  'missing_key',
  'key_mismatch',
  'invalid_cloudevent',
  'duplicate',
  'conflict',
  'customer_erased',
] as const;

export type DeadLetterCode = (typeof DEAD_LETTER_CODES)[number];

export function isDeadLetterCode(value: string): value is DeadLetterCode {
  return (DEAD_LETTER_CODES as readonly string[]).includes(value);
}

/** A message of the inbound topic, as read: headers decoded to text (first value of each). */
export interface InboundRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
}

export interface InboundRefusal {
  readonly code: DeadLetterCode;
  /** One line for people: what is wrong. */
  readonly reason: string;
  /** Where and what, as REST answers them. */
  readonly issues: readonly ValidationIssue[];
}

export type InboundVerdict =
  | { readonly ok: true; readonly touchpoint: Touchpoint }
  | ({ readonly ok: false } & InboundRefusal);

export interface ParseInboundOptions {
  /** The ingesting clock, as for REST: `occurredAt` may not be too far after it. */
  readonly now: Date;
}

function refuse(code: DeadLetterCode, reason: string, issues?: ValidationIssue[]): InboundVerdict {
  return { ok: false, code, reason, issues: issues ?? [{ path: '', message: reason }] };
}

const CLOUDEVENT_PREFIX = 'ce_';

function isJsonContentType(contentType: string): boolean {
  const [type = '', ...params] = contentType.split(';').map((p) => p.trim().toLowerCase());
  if (type !== 'application/json') return false;
  const charset = params.find((p) => p.startsWith('charset='));
  return charset === undefined || /^charset="?utf-8"?$/.test(charset);
}

/** The CloudEvents attributes checked before the value is read; null when they are fine. */
function cloudEventProblem(headers: Readonly<Record<string, string>>): InboundVerdict | null {
  const problem = (header: string, message: string): InboundVerdict =>
    refuse('invalid_cloudevent', `${header}: ${message}`, [{ path: header, message }]);
  if (headers.ce_specversion !== '1.0') {
    return problem('ce_specversion', `must be 1.0 (got ${headers.ce_specversion ?? 'nothing'})`);
  }
  if (headers.ce_type !== TOUCHPOINT_SUBMITTED_TYPE) {
    return problem(
      'ce_type',
      `must be ${TOUCHPOINT_SUBMITTED_TYPE} (got ${headers.ce_type ?? 'nothing'})`,
    );
  }
  if (headers.ce_source === undefined || headers.ce_source.trim() === '') {
    return problem('ce_source', 'must name the producer (a URI-reference)');
  }
  if (headers.ce_id === undefined || headers.ce_id === '') {
    return problem('ce_id', 'must be the touchpointId');
  }
  const contentType = headers['content-type'];
  if (contentType !== undefined && !isJsonContentType(contentType)) {
    return problem('content-type', `must be application/json (got ${contentType})`);
  }
  return null;
}

/**
 * Validates a message of `cx.touchpoints.inbound.v1` exactly as the REST API validates a body:
 * the same size limit, strict UTF-8 and strict JSON, then `parseTouchpoint`; plus what only a
 * message has: the key must be the customerId, and CloudEvents headers, when present, must be
 * those of a submitted touchpoint whose `ce_id` is its touchpointId. The first problem found is
 * the verdict. Whether the store takes it (duplicate, conflict, erased customer) is decided later.
 */
export function parseInboundTouchpoint(
  record: InboundRecord,
  options: ParseInboundOptions,
): InboundVerdict {
  const { key, value, headers } = record;
  if (value !== null && value.length > TOUCHPOINT_MAX_BYTES) {
    return refuse(
      'payload_too_large',
      `value of ${value.length} bytes is larger than ${TOUCHPOINT_MAX_BYTES} bytes`,
    );
  }
  if (key === null || key.length === 0) {
    return refuse('missing_key', 'the message has no key; it must be the customerId', [
      { path: 'key', message: 'missing: the key must be the customerId' },
    ]);
  }
  const isCloudEvent = Object.keys(headers).some((name) => name.startsWith(CLOUDEVENT_PREFIX));
  if (isCloudEvent) {
    const problem = cloudEventProblem(headers);
    if (problem !== null) return problem;
  }
  if (value === null || value.length === 0) {
    return refuse('invalid_json', 'the message has no value; it must be a touchpoint as JSON');
  }
  const decoded = decodeUtf8Strict(value);
  if (!decoded.ok) {
    return refuse(
      'invalid_json',
      `value is not valid UTF-8: ${decoded.reason} at byte ${decoded.offset}`,
    );
  }
  const json = parseStrictJson(decoded.text);
  if (!json.ok) {
    return json.error === 'duplicate_key'
      ? refuse('invalid_json', 'a JSON object in the value gives the same key more than once', [
          ...json.issues,
        ])
      : refuse('invalid_json', `malformed JSON: ${json.message}`);
  }
  const parsed = parseTouchpoint(json.value, { now: options.now });
  if (!parsed.ok) {
    const first = parsed.issues[0];
    const summary = first === undefined ? '' : `: ${first.path} ${first.message}`;
    return refuse('invalid_touchpoint', `invalid touchpoint${summary}`, parsed.issues);
  }
  const { touchpoint } = parsed;
  const keyText = decodeUtf8Strict(key);
  if (!keyText.ok || keyText.text !== touchpoint.customerId) {
    const shown = keyText.ok ? keyText.text : 'bytes that are not UTF-8';
    const message = `the key (${shown}) must be the customerId (${touchpoint.customerId})`;
    return refuse('key_mismatch', message, [{ path: 'key', message }]);
  }
  if (isCloudEvent && headers.ce_id !== touchpoint.touchpointId) {
    const message = `must be the touchpointId (${touchpoint.touchpointId}), got ${headers.ce_id ?? ''}`;
    return refuse('invalid_cloudevent', `ce_id: ${message}`, [{ path: 'ce_id', message }]);
  }
  return { ok: true, touchpoint };
}

/**
 * Whose a refused message is, as far as its value tells (a JSON object within the size limit
 * with string ids): a dead letter keeps it, so that the customer's erasure finds it.
 */
export function inboundIdentity(record: InboundRecord): {
  readonly touchpointId: string | null;
  readonly customerId: string | null;
} {
  const unknown = { touchpointId: null, customerId: null };
  const { value } = record;
  if (value === null || value.length > TOUCHPOINT_MAX_BYTES) return unknown;
  const decoded = decodeUtf8Strict(value);
  if (!decoded.ok) return unknown;
  const json = parseStrictJson(decoded.text);
  if (!json.ok || typeof json.value !== 'object' || json.value === null) return unknown;
  const { touchpointId, customerId } = json.value as Record<string, unknown>;
  return {
    touchpointId: typeof touchpointId === 'string' ? touchpointId : null,
    customerId: typeof customerId === 'string' ? customerId : null,
  };
}
