import fc from 'fast-check';
import {
  CHANNELS,
  COMPLAINT_REASONS,
  DIRECTIONS,
  EMOTION_LEVELS,
  INTERACTIONS,
  LIFECYCLE_STATUSES,
  PILLARS,
  STAGES,
  type Interaction,
} from '@cx/domain';
import { encodeCursor } from '../../../apps/query/src/common/page-cursor';
import { TOUCHPOINT_FIELD_ORDER } from '@cx/contracts';
import { gzipSync } from 'node:zlib';

/*
 * Generators of hostile HTTP input for the fuzz suite: JSON texts that JSON.stringify cannot
 * write (duplicate keys, number literals out of range, nesting deeper than its recursion),
 * near-valid touchpoints mutated field by field, byte strings that are not UTF-8, and URLs with
 * arbitrary path segments and query strings. Each input says what the service must do with it
 * where that is certain (`mustRefuse`), beyond "never a 5xx".
 */

/** JSON text to be written out as it is. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** An object written entry by entry, so that it can give a key twice. */
export class Entries {
  constructor(readonly entries: readonly (readonly [string, unknown])[]) {}
}

/** JSON text of a value that may hold `RawJson`, `Entries` and anything `fc.anything()` makes. */
export function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof Entries) {
    return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(',')}}`;
  }
  if (Array.isArray(value)) return `[${value.map((v) => toJsonText(v)).join(',')}]`;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** True when some string or key in the value holds a lone surrogate or a NUL. */
function holdsUnstorableText(value: unknown): boolean {
  const bad = (s: string): boolean => s.includes('\u0000') || /\p{Surrogate}/u.test(s);
  if (typeof value === 'string') return bad(value);
  if (value instanceof RawJson) return false;
  if (value instanceof Entries)
    return value.entries.some(([k, v]) => bad(k) || holdsUnstorableText(v));
  if (Array.isArray(value)) return value.some(holdsUnstorableText);
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).some(([k, v]) => bad(k) || holdsUnstorableText(v));
  return false;
}

function holdsDuplicateKey(value: unknown): boolean {
  if (value instanceof Entries) {
    const keys = value.entries.map(([k]) => k);
    return (
      new Set(keys).size !== keys.length || value.entries.some(([, v]) => holdsDuplicateKey(v))
    );
  }
  if (Array.isArray(value)) return value.some(holdsDuplicateKey);
  if (typeof value === 'object' && value !== null && !(value instanceof RawJson))
    return Object.values(value).some(holdsDuplicateKey);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Strings and numbers

const HOSTILE_STRINGS = [
  '',
  ' ',
  'a\ud800b',
  '\ud800',
  '\udfff',
  '\ude00\ud83d',
  'tail \ud83d',
  '\u0000',
  'a\u0000b',
  '\u0000\ud800',
  '😀',
  '\ud83d\ude00',
  '\ufeff',
  '\u202e',
  '\u0085',
  '\r\n',
  '"',
  '\\',
  '%00',
  '%ED%A0%80',
  '../../etc/passwd',
  '__proto__',
  'constructor',
  "'; DROP TABLE touchpoint_events; --",
  '2025-02-30T10:00:00Z',
  '9999-12-31T23:59:59Z',
  '0000-01-01T00:00:00Z',
  '2025-06-01T10:00:00.123456789012345Z',
  '2025-06-01T10:00:00+23:59',
  'x'.repeat(129),
  'y'.repeat(4001),
];

/** Strings with surrogates (paired and lone), NULs, controls, astral and long runs. */
export const hostileString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 10 }), fc.integer({ min: 0xd800, max: 0xdfff }), fc.string())
      .map(([a, s, b]) => `${a}${String.fromCharCode(s)}${b}`),
  },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('\u0000', 'a', '\ud800', 'é') }) },
);

const HUGE_NUMBERS = [
  '1e400',
  '-1e400',
  '1e-400',
  '-0',
  '0.0',
  '1E2',
  '123456789012345678901234567890',
  '9007199254740993',
  '0.30000000000000004',
  '1.7976931348623157e308',
  '5e-324',
  '10.000000000000000000000000001',
];

export const hostileNumber = fc.oneof(
  fc.constantFrom(...HUGE_NUMBERS).map((n) => new RawJson(n)),
  fc.double(),
  fc.integer(),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }),
);

/** Nesting deep enough to break a recursive parser or validator. */
export const deepNesting = fc
  .tuple(fc.integer({ min: 1, max: 20_000 }), fc.constantFrom('[', '{"a":'))
  .map(([depth, open]) => {
    const close = open === '[' ? ']' : '}';
    const inner = open === '[' ? '' : '1';
    return new RawJson(`${open.repeat(depth)}${inner}${close.repeat(depth)}`);
  });

/** Any JSON value, now and then a hostile one. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: fc.anything({ maxDepth: 2 }) },
  { weight: 2, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 1, arbitrary: deepNesting },
);

// ---------------------------------------------------------------------------------------------
// Touchpoints

const ID_POOL = Array.from({ length: 12 }, (_, i) => `fz-tp-${i}`);
const CUSTOMER_POOL = Array.from({ length: 6 }, (_, i) => `fz-c-${i}`);

const identifier = (pool: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...pool) },
    { weight: 2, arbitrary: fc.uuid().map((u) => `fz-${u}`) },
  );

const instant = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date(), noInvalidDate: true })
  .map((d) => d.toISOString());

const EXTRA_FIELDS: Readonly<Partial<Record<Interaction, fc.Arbitrary<Record<string, unknown>>>>> =
  {
    complaint_opened: fc.record({
      complaintId: identifier(['k-1', 'k-2']),
      reason: fc.constantFrom(...COMPLAINT_REASONS),
    }),
    complaint_resolved: fc.record({ complaintId: identifier(['k-1', 'k-2']) }),
    commitment_made: fc.record({ commitmentId: identifier(['m-1']), dueAt: instant }),
    commitment_kept: fc.record({ commitmentId: identifier(['m-1']) }),
    commitment_broken: fc.record({ commitmentId: identifier(['m-1']) }),
    survey_response: fc.record({
      survey: fc.record(
        {
          nps: fc.integer({ min: 0, max: 10 }),
          csat: fc.integer({ min: 1, max: 5 }),
          ces: fc.integer({ min: 1, max: 7 }),
        },
        { requiredKeys: ['nps'] },
      ),
    }),
    feedback: fc.record({ text: fc.string({ minLength: 1, maxLength: 60 }) }),
    purchase: fc.record(
      {
        value: fc.record({
          amount: fc.double({ min: 0, max: 1e6, noNaN: true }),
          currency: fc.constantFrom('EUR', 'USD'),
        }),
      },
      { requiredKeys: [] },
    ),
  };

/** A touchpoint the service accepts as it is. */
export const validTouchpoint: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    touchpointId: identifier(ID_POOL),
    customerId: fc.constantFrom(...CUSTOMER_POOL),
    occurredAt: instant,
    channel: fc.constantFrom(...CHANNELS),
    interaction: fc.constantFrom(...INTERACTIONS),
    optional: fc.record(
      {
        direction: fc.constantFrom(...DIRECTIONS),
        touchpointName: fc.string({ minLength: 1, maxLength: 30 }),
        momentOfTruth: fc.boolean(),
        pillar: fc.constantFrom(...PILLARS),
        sentiment: fc.double({ min: -1, max: 1, noNaN: true }),
        emotion: fc.constantFrom(...EMOTION_LEVELS),
        companyAssessment: fc.integer({ min: 1, max: 5 }),
        source: fc.constantFrom('crm', 'web-shop', 'ivr'),
        attributes: fc.dictionary(
          fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/),
          fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.constant(null)),
          { maxKeys: 5 },
        ),
      },
      { requiredKeys: [] },
    ),
  })
  .chain(({ optional, ...base }) =>
    (EXTRA_FIELDS[base.interaction] ?? fc.constant({})).map((extra) => ({
      ...base,
      ...optional,
      ...extra,
    })),
  );

const FIELD_NAMES: readonly string[] = TOUCHPOINT_FIELD_ORDER;

type Mutation = (tp: Record<string, unknown>) => Record<string, unknown> | Entries;

const fieldName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...FIELD_NAMES) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'colour') },
  { weight: 1, arbitrary: hostileString },
);

const nestedValue = fc.oneof(
  fc.record({ nps: anyValue, csat: anyValue }, { requiredKeys: [] }),
  fc.record({ amount: anyValue, currency: anyValue }, { requiredKeys: [] }),
  fc.dictionary(hostileString, anyValue, { maxKeys: 4 }),
  fc.dictionary(fc.string({ maxLength: 8 }), anyValue, { maxKeys: 60 }),
);

/** One change to one field: removed, retyped, made hostile, or given twice. */
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fieldName.map((name): Mutation => (tp) => {
    const { [name]: _removed, ...rest } = tp;
    return rest;
  }),
  fc.tuple(fieldName, anyValue).map(
    ([name, v]): Mutation =>
      (tp) =>
        withField(tp, name, v),
  ),
  fc.tuple(fieldName, hostileString).map(
    ([name, v]): Mutation =>
      (tp) =>
        withField(tp, name, v),
  ),
  fc.tuple(fc.constantFrom('survey', 'value', 'attributes'), nestedValue).map(
    ([name, v]): Mutation =>
      (tp) =>
        withField(tp, name, v),
  ),
  fc.tuple(fieldName, anyValue).map(
    ([name, v]): Mutation =>
      (tp) =>
        new Entries([
          ...Object.entries(tp),
          [name, v],
          ...(Object.prototype.hasOwnProperty.call(tp, name) ? [] : [[name, v]]),
        ] as [string, unknown][]),
  ),
);

function withField(
  tp: Record<string, unknown>,
  name: string,
  value: unknown,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...tp };
  // Defined, so that `__proto__` becomes a key of the body rather than the object's prototype.
  Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/** A valid touchpoint with 0 to 3 mutations (an `Entries` once a key is given twice). */
export const nearValidTouchpoint: fc.Arbitrary<unknown> = fc
  .tuple(
    validTouchpoint,
    fc.oneof(
      { weight: 3, arbitrary: fc.constant([]) },
      { weight: 4, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 1 }) },
      { weight: 2, arbitrary: fc.array(mutation, { minLength: 2, maxLength: 3 }) },
    ),
  )
  .map(([tp, mutations]) => {
    let current: Record<string, unknown> | Entries = tp;
    for (const mutate of mutations) {
      // After a duplicate the body is refused whatever else happens: keep it as it is.
      if (current instanceof Entries) break;
      current = mutate(current);
    }
    return current;
  });

// ---------------------------------------------------------------------------------------------
// Bodies

export interface BodyInput {
  readonly kind: string;
  readonly bytes: Buffer;
  readonly headers: Readonly<Record<string, string>>;
  /** What the answer must be, beyond "2xx or 4xx": a 4xx, and with which error code. */
  readonly mustRefuse?: { readonly status?: number; readonly error?: string };
}

const GOOD_CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'Application/JSON; charset="UTF-8"',
];
const BAD_CONTENT_TYPES = [
  'text/plain',
  'application/json; charset=latin1',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  '',
];

const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...GOOD_CONTENT_TYPES) },
  { weight: 1, arbitrary: fc.constantFrom(...BAD_CONTENT_TYPES) },
);

function headersFor(type: string, gzip: boolean): Record<string, string> {
  return {
    ...(type === '' ? {} : { 'content-type': type }),
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  };
}

const INVALID_UTF8 = [
  [0x80],
  [0xbf],
  [0xc0, 0xaf],
  [0xc1, 0xbf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xf0, 0x8f, 0xbf, 0xbf],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf5],
  [0xfe],
  [0xff],
  [0xe9],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x98],
];

/** A JSON text (as built) sent with some content type, sometimes gzipped; oracles from what it holds. */
function jsonBody(kind: string, value: unknown, type: string, gzip: boolean): BodyInput {
  const text = toJsonText(value);
  const accepted = GOOD_CONTENT_TYPES.includes(type);
  let mustRefuse: BodyInput['mustRefuse'];
  if (!accepted) mustRefuse = { status: 415 };
  else if (holdsDuplicateKey(value)) mustRefuse = { status: 400, error: 'duplicate_key' };
  else if (holdsUnstorableText(value)) mustRefuse = {};
  // A gzip body is judged by what it inflates to, exactly as the same bytes sent plain.
  const plain = Buffer.from(text, 'utf8');
  const bytes = gzip ? gzipSync(plain) : plain;
  return { kind, bytes, headers: headersFor(type, gzip), mustRefuse };
}

/** Bodies for an endpoint that takes what `item` makes (a touchpoint, or a batch of them). */
export function bodyInputs(item: fc.Arbitrary<unknown>): fc.Arbitrary<BodyInput> {
  const gzip = fc.oneof(
    { weight: 30, arbitrary: fc.constant(false) },
    { weight: 1, arbitrary: fc.constant(true) },
  );
  const structured = fc
    .tuple(item, contentType, gzip)
    .map(([value, type, z]) => jsonBody('structured', value, type, z));
  const arbitraryJson = fc
    .tuple(anyValue, contentType, gzip)
    .map(([value, type, z]) => jsonBody('arbitrary-json', value, type, z));
  const invalidUtf8 = fc
    .tuple(item, fc.constantFrom(...INVALID_UTF8), fc.nat(), fc.constantFrom(...GOOD_CONTENT_TYPES))
    .map(([value, bad, at, type]): BodyInput => {
      const bytes = Buffer.from(toJsonText(value), 'utf8');
      const cut = at % (bytes.length + 1);
      return {
        kind: 'invalid-utf8',
        bytes: Buffer.concat([bytes.subarray(0, cut), Buffer.from(bad), bytes.subarray(cut)]),
        headers: headersFor(type, false),
        mustRefuse: { status: 400, error: 'invalid_encoding' },
      };
    });
  const truncated = fc
    .tuple(item, fc.nat(), fc.constantFrom(...GOOD_CONTENT_TYPES))
    .map(([value, at, type]): BodyInput => {
      const bytes = Buffer.from(toJsonText(value), 'utf8');
      return {
        kind: 'truncated',
        bytes: bytes.subarray(0, at % Math.max(bytes.length, 1)),
        headers: headersFor(type, false),
      };
    });
  const randomBytes = fc
    .tuple(fc.uint8Array({ maxLength: 512 }), contentType)
    .map(([bytes, type]): BodyInput => ({
      kind: 'random-bytes',
      bytes: Buffer.from(bytes),
      headers: headersFor(type, false),
    }));
  return fc.oneof(
    { weight: 10, arbitrary: structured },
    { weight: 3, arbitrary: arbitraryJson },
    { weight: 2, arbitrary: invalidUtf8 },
    { weight: 2, arbitrary: truncated },
    { weight: 2, arbitrary: randomBytes },
  );
}

/** `{ touchpoints: [...] }` around near-valid items, sometimes itself malformed. */
export const batchOf = (items: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof(
    {
      weight: 4,
      arbitrary: fc.array(validTouchpoint, { minLength: 1, maxLength: 5 }).map((touchpoints) => ({
        touchpoints,
      })),
    },
    {
      weight: 8,
      arbitrary: fc
        .array(items, { minLength: 1, maxLength: 5 })
        .map((touchpoints) => ({ touchpoints })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.array(items, { minLength: 1, maxLength: 3 }), fieldName, anyValue).map(
        ([touchpoints, name, v]) =>
          new Entries([
            ['touchpoints', touchpoints],
            [name, v],
          ]),
      ),
    },
    { weight: 1, arbitrary: anyValue.map((touchpoints) => ({ touchpoints })) },
    { weight: 1, arbitrary: fc.constant({ touchpoints: [] }) },
    { weight: 1, arbitrary: items },
  );

// ---------------------------------------------------------------------------------------------
// URLs

/** encodeURIComponent throws on a lone surrogate; such bytes come from the raw cases instead. */
const wellFormed = (s: string): string => s.replace(/\p{Surrogate}/gu, '\ufffd');

/** A path segment as a client might send it: valid, encoded arbitrary, or raw and broken. */
export function pathSegment(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: known.length === 0 ? 0 : 8, arbitrary: fc.constantFrom('', ...known) },
    { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9._:-]{1,140}$/) },
    { weight: 3, arbitrary: hostileString.map((s) => encodeURIComponent(wellFormed(s))) },
    {
      weight: 2,
      arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 30 }).map(encodeURIComponent),
    },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '%',
        '%z',
        '%zz',
        '%ED%A0%80',
        '%C0%AF',
        '%FF',
        '%00',
        '%2F',
        'a%2Fb',
        '..',
        '.',
        '%2E%2E',
        '',
        'é',
        '\u00ff\u0080',
        '%E2%82',
        'x'.repeat(300),
        'a;b',
        'a,b',
        '*',
        '~',
        "'",
        '"',
        '<>',
        '{}',
        '|',
        '\\',
        '^',
        '`',
      ),
    },
  );
}

const QUERY_KEYS = ['minPosition', 'waitMs', 'limit', 'cursor', 'stage', 'status', 'emotion'];

const queryValue = (key: string): fc.Arbitrary<string> =>
  fc
    .oneof(
      { weight: 3, arbitrary: fc.integer({ min: -5, max: 60 }).map(String) },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          ...STAGES,
          ...LIFECYCLE_STATUSES,
          ...EMOTION_LEVELS,
          encodeCursor('customers', 'fz-c-2'),
          encodeCursor('touchpoints', 3),
          encodeCursor('customers', 3),
          'YzE6',
          '',
          '0',
          '1e3',
          '0x10',
          '1.5',
          '30001',
          '99999999999999999999',
          '9007199254740993',
          '-0',
          '%',
          '%zz',
          '%ED%A0%80',
          '%00',
          'a%26b%3Dc',
        ),
      },
      { weight: 2, arbitrary: hostileString.map((s) => encodeURIComponent(wellFormed(s))) },
      {
        weight: 1,
        arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 20 }).map(encodeURIComponent),
      },
    )
    .map((v) =>
      // Never ask to wait long: a read that cannot be served waits only this long.
      key === 'waitMs' && /^[0-9]+$/.test(v) && Number(v) > 50 && Number(v) <= 30_000 ? '50' : v,
    );

const queryKey = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...QUERY_KEYS) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '__proto__',
      'constructor',
      'limit[]',
      'a[b]',
      '',
      '%',
      'minPosition%00',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }).map(encodeURIComponent) },
);

/** A query string of 0 to 5 parameters, repeated ones included, or raw junk. */
/** Parameters the listing and the customer reads know, with values they accept. */
const validParameter = fc.oneof(
  fc.integer({ min: 1, max: 6 }).map((p) => `minPosition=${p}`),
  fc.integer({ min: 0, max: 20 }).map((w) => `waitMs=${w}`),
  fc.integer({ min: 1, max: 200 }).map((l) => `limit=${l}`),
  fc.constantFrom(...STAGES).map((v) => `stage=${v}`),
  fc.constantFrom(...LIFECYCLE_STATUSES).map((v) => `status=${v}`),
  fc.constantFrom(...EMOTION_LEVELS).map((v) => `emotion=${v}`),
  fc.constantFrom(
    `cursor=${encodeCursor('customers', 'fz-c-1')}`,
    `cursor=${encodeCursor('touchpoints', 1)}`,
  ),
);

export const queryString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  {
    weight: 3,
    arbitrary: fc
      .uniqueArray(validParameter, { maxLength: 3, selector: (p) => p.split('=')[0] })
      .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.join('&')}`)),
  },
  {
    weight: 6,
    arbitrary: fc
      .array(
        queryKey.chain((k) => queryValue(k).map((v) => `${k}=${v}`)),
        { maxLength: 5 },
      )
      .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.join('&')}`)),
  },
  { weight: 1, arbitrary: fc.constantFrom('?', '??', '?&&', '?=', '?a', '?a=1=2', '?#x', '?%') },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: 'binary-ascii', maxLength: 40 })
      .map((s) => `?${s.replace(/[^\x21-\x7e]/g, '')}`),
  },
);

/** Where a raw request line may point. */
export const anyPath = fc.oneof(
  fc.constantFrom(
    '/v1/touchpoints',
    '/v1/touchpoints/batch',
    '/v1/customers',
    '/v1/customers/fz-c-1',
    '/health/live',
    '*',
    '/',
  ),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((s) => `/${s}`),
);
