/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) as it travels with a touchpoint: the
 * `traceparent` and `tracestate` of an HTTP request, stored with the event, and carried on Kafka
 * in the CloudEvents distributed-tracing extension (binary mode: `ce_traceparent`, `ce_tracestate`).
 * Pure text handling, so the same rules hold at every hop whether tracing is on or off.
 */
export interface TraceCarrier {
  /** Always version 00 and lowercase: `00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>`. */
  readonly traceparent: string;
  readonly tracestate?: string;
}

/** The parts of a valid `traceparent`. */
export interface TraceParent {
  readonly traceId: string;
  readonly spanId: string;
  /** The trace-flags byte; bit 0 is `sampled`. */
  readonly flags: number;
}

/** The Kafka header names of the CloudEvents distributed-tracing extension, binary mode. */
export const TRACE_HEADERS = {
  traceparent: 'ce_traceparent',
  tracestate: 'ce_tracestate',
} as const;

/** Version, trace id, parent id, flags; a later version may append fields after a dash. */
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ALL_ZEROS = /^0+$/;
/** What the spec asks a receiver to keep at least; a longer `tracestate` is dropped, not cut. */
const TRACESTATE_MAX_LENGTH = 512;
const TRACESTATE_MAX_MEMBERS = 32;
const TRACESTATE_KEY =
  /^([a-z0-9][a-z0-9_\-*/]{0,255}|[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13})$/;
const TRACESTATE_VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/;

/** The parts of `traceparent`, or null when it is not a valid one (which then counts as absent). */
export function parseTraceparent(value: string | undefined): TraceParent | null {
  if (value === undefined) return null;
  const match = TRACEPARENT.exec(value);
  if (match === null) return null;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  // ff is forbidden; version 00 has nothing after the flags.
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (ALL_ZEROS.test(traceId) || ALL_ZEROS.test(spanId)) return null;
  return { traceId, spanId, flags: Number.parseInt(flags, 16) };
}

export function formatTraceparent(parent: TraceParent): string {
  return `00-${parent.traceId}-${parent.spanId}-${(parent.flags & 0xff).toString(16).padStart(2, '0')}`;
}

/** `tracestate` if well-formed (members `key=value`, empty members allowed), else undefined. */
export function validTracestate(value: string | undefined): string | undefined {
  if (value === undefined || value.length > TRACESTATE_MAX_LENGTH) return undefined;
  const members = value
    .split(',')
    .map((member) => member.trim())
    .filter((member) => member.length > 0);
  if (members.length === 0 || members.length > TRACESTATE_MAX_MEMBERS) return undefined;
  const keys = new Set<string>();
  for (const member of members) {
    const equals = member.indexOf('=');
    if (equals < 0) return undefined;
    const key = member.slice(0, equals);
    if (!TRACESTATE_KEY.test(key) || !TRACESTATE_VALUE.test(member.slice(equals + 1))) {
      return undefined;
    }
    if (keys.has(key)) return undefined;
    keys.add(key);
  }
  return members.join(',');
}

/**
 * The carrier of a `traceparent` and `tracestate` as received (HTTP headers, a stored row, Kafka
 * headers): null without a valid `traceparent`, in which case `tracestate` is meaningless and
 * dropped too; a malformed `tracestate` alone is dropped. Later versions are read as version 00.
 */
export function traceCarrier(
  traceparent: string | undefined,
  tracestate: string | undefined,
): TraceCarrier | null {
  const parent = parseTraceparent(traceparent);
  if (parent === null) return null;
  const state = validTracestate(tracestate);
  const normal = formatTraceparent(parent);
  return state === undefined ? { traceparent: normal } : { traceparent: normal, tracestate: state };
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** The Kafka headers that carry `carrier` (none when it is null). */
export function traceHeaders(
  carrier: TraceCarrier | null | undefined,
): Readonly<Record<string, string>> {
  if (carrier === null || carrier === undefined) return NO_HEADERS;
  return carrier.tracestate === undefined
    ? { [TRACE_HEADERS.traceparent]: carrier.traceparent }
    : {
        [TRACE_HEADERS.traceparent]: carrier.traceparent,
        [TRACE_HEADERS.tracestate]: carrier.tracestate,
      };
}

/** Structurally kafkajs' `IHeaders`, without depending on kafkajs here. */
export type KafkaHeaders = Readonly<
  Record<string, Buffer | string | (Buffer | string)[] | undefined>
>;

function headerText(headers: KafkaHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (first === undefined) return undefined;
  return typeof first === 'string' ? first : first.toString('utf8');
}

/** The trace context a Kafka message carries in `ce_traceparent` / `ce_tracestate`, if any. */
export function traceCarrierOfHeaders(headers: KafkaHeaders | undefined): TraceCarrier | null {
  const traceparent = headerText(headers, TRACE_HEADERS.traceparent);
  if (traceparent === undefined) return null;
  return traceCarrier(traceparent, headerText(headers, TRACE_HEADERS.tracestate));
}
