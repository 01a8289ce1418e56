import {
  formatTraceparent,
  parseTraceparent,
  traceCarrier,
  traceCarrierOfHeaders,
  traceHeaders,
  validTracestate,
} from './trace-context';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const VALID = `00-${TRACE_ID}-${SPAN_ID}-01`;

describe('traceparent', () => {
  it('reads the parts of a valid version-00 header and writes it back unchanged', () => {
    const parent = parseTraceparent(VALID);
    expect(parent).toEqual({ traceId: TRACE_ID, spanId: SPAN_ID, flags: 1 });
    expect(formatTraceparent(parent!)).toBe(VALID);
  });

  it.each([
    ['uppercase hex', VALID.toUpperCase()],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`],
    ['an all-zero parent id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['the forbidden version ff', `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ['version 00 with a trailing field', `${VALID}-extra`],
    ['a short trace id', `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`],
    ['two headers joined', `${VALID}, ${VALID}`],
    ['nothing', ''],
  ])('refuses %s', (_, value) => {
    expect(parseTraceparent(value)).toBeNull();
    expect(traceCarrier(value, 'a=b')).toBeNull();
  });

  it('reads a later version as version 00, ignoring the fields it appends', () => {
    expect(traceCarrier(`cc-${TRACE_ID}-${SPAN_ID}-03-future`, undefined)).toEqual({
      traceparent: `00-${TRACE_ID}-${SPAN_ID}-03`,
    });
  });

  it('keeps the flags as sent, sampled or not', () => {
    expect(parseTraceparent(`00-${TRACE_ID}-${SPAN_ID}-00`)?.flags).toBe(0);
    expect(formatTraceparent({ traceId: TRACE_ID, spanId: SPAN_ID, flags: 0 })).toBe(
      `00-${TRACE_ID}-${SPAN_ID}-00`,
    );
  });
});

describe('tracestate', () => {
  it('keeps well-formed members, trimmed, empty members dropped', () => {
    expect(validTracestate('rojo=00f067aa0ba902b7 , congo=t61rcWkgMzE,,tenant@vendor=x')).toBe(
      'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,tenant@vendor=x',
    );
  });

  it.each([
    ['a member without =', 'rojo'],
    ['an uppercase key', 'Rojo=1'],
    ['a value with =', 'rojo=a=b'],
    ['a key given twice', 'rojo=1,rojo=2'],
    ['more than 32 members', Array.from({ length: 33 }, (_, i) => `k${i}=v`).join(',')],
    ['more than 512 characters', `k=${'v'.repeat(250)},l=${'v'.repeat(250)},m=${'v'.repeat(10)}`],
    ['only commas', ',,'],
  ])('drops %s', (_, value) => {
    expect(validTracestate(value)).toBeUndefined();
  });

  it('is dropped alone when malformed, the traceparent kept', () => {
    expect(traceCarrier(VALID, 'Not Valid')).toEqual({ traceparent: VALID });
  });
});

describe('Kafka headers (CloudEvents distributed tracing, binary mode)', () => {
  it('carries the context as ce_traceparent and ce_tracestate, and reads it back', () => {
    const headers = traceHeaders({ traceparent: VALID, tracestate: 'rojo=1' });
    expect(headers).toEqual({ ce_traceparent: VALID, ce_tracestate: 'rojo=1' });
    expect(traceCarrierOfHeaders(headers)).toEqual({ traceparent: VALID, tracestate: 'rojo=1' });
  });

  it('adds no header without a context', () => {
    expect(traceHeaders(null)).toEqual({});
    expect(traceHeaders({ traceparent: VALID })).toEqual({ ce_traceparent: VALID });
  });

  it('reads the Buffers and arrays kafkajs hands a consumer', () => {
    expect(
      traceCarrierOfHeaders({
        ce_traceparent: [Buffer.from(VALID), Buffer.from('ignored')],
        ce_tracestate: Buffer.from('rojo=1'),
      }),
    ).toEqual({ traceparent: VALID, tracestate: 'rojo=1' });
  });

  it('finds nothing in a message without the headers or with a broken one', () => {
    expect(traceCarrierOfHeaders(undefined)).toBeNull();
    expect(traceCarrierOfHeaders({ ce_id: 'x' })).toBeNull();
    expect(traceCarrierOfHeaders({ ce_traceparent: 'garbage', ce_tracestate: 'a=b' })).toBeNull();
  });
});
