import {
  inboundIdentity,
  parseInboundTouchpoint,
  TOUCHPOINT_MAX_BYTES,
  TOUCHPOINT_SUBMITTED_TYPE,
  type InboundRecord,
  type InboundVerdict,
} from './inbound-touchpoint';

const now = new Date('2025-06-01T12:00:00.000Z');

const body = {
  touchpointId: 'tp-1',
  customerId: 'cust-1',
  occurredAt: '2025-06-01T10:00:00.000Z',
  channel: 'chat',
  interaction: 'inquiry',
};

const cloudEvent = {
  ce_specversion: '1.0',
  ce_type: TOUCHPOINT_SUBMITTED_TYPE,
  ce_source: '//crm.example/exports',
  ce_id: 'tp-1',
  'content-type': 'application/json',
};

function record(overrides: Partial<InboundRecord> = {}): InboundRecord {
  return {
    key: Buffer.from('cust-1'),
    value: Buffer.from(JSON.stringify(body)),
    headers: {},
    ...overrides,
  };
}

function codeOf(verdict: InboundVerdict): string {
  return verdict.ok ? 'ok' : verdict.code;
}

describe('parseInboundTouchpoint', () => {
  it('takes a plain JSON touchpoint keyed by its customer', () => {
    const verdict = parseInboundTouchpoint(record(), { now });
    expect(verdict).toMatchObject({ ok: true, touchpoint: body });
  });

  it('takes a CloudEvent in binary mode, with or without a content type', () => {
    expect(codeOf(parseInboundTouchpoint(record({ headers: cloudEvent }), { now }))).toBe('ok');
    const { 'content-type': _ignored, ...noContentType } = cloudEvent;
    expect(codeOf(parseInboundTouchpoint(record({ headers: noContentType }), { now }))).toBe('ok');
  });

  it.each([
    ['ce_specversion', '0.3'],
    ['ce_type', 'cx.touchpoint.recorded.v1'],
    ['ce_source', ''],
    ['ce_id', 'tp-2'],
    ['content-type', 'text/plain'],
  ])('refuses a CloudEvent whose %s is %j, naming the header', (header, value) => {
    const verdict = parseInboundTouchpoint(
      record({ headers: { ...cloudEvent, [header]: value } }),
      { now },
    );
    expect(verdict).toMatchObject({ ok: false, code: 'invalid_cloudevent' });
    expect(verdict.ok ? [] : verdict.issues.map((i) => i.path)).toEqual([header]);
  });

  it('refuses bytes that are not UTF-8, malformed JSON and a key given twice as invalid_json', () => {
    const values = [
      Buffer.from([0x7b, 0xff, 0x7d]),
      Buffer.from('{"touchpointId": "tp-1",'),
      Buffer.from('{"customerId":"cust-1","customerId":"cust-1"}'),
    ];
    for (const value of values) {
      expect(codeOf(parseInboundTouchpoint(record({ value }), { now }))).toBe('invalid_json');
    }
    const duplicate = parseInboundTouchpoint(record({ value: values[2] ?? null }), { now });
    expect(duplicate.ok ? [] : duplicate.issues.map((i) => i.path)).toEqual(['customerId']);
  });

  it('refuses wrong types with the paths REST answers', () => {
    const value = Buffer.from(JSON.stringify({ ...body, channel: 42 }));
    const verdict = parseInboundTouchpoint(record({ value }), { now });
    expect(verdict).toMatchObject({ ok: false, code: 'invalid_touchpoint' });
    expect(verdict.ok ? [] : verdict.issues.map((i) => i.path)).toContain('channel');
  });

  it('refuses a value over the REST body limit without reading it', () => {
    const value = Buffer.alloc(TOUCHPOINT_MAX_BYTES + 1, 0x20);
    expect(codeOf(parseInboundTouchpoint(record({ value }), { now }))).toBe('payload_too_large');
  });

  it('refuses a message without a key, or keyed by someone else', () => {
    expect(codeOf(parseInboundTouchpoint(record({ key: null }), { now }))).toBe('missing_key');
    expect(codeOf(parseInboundTouchpoint(record({ key: Buffer.alloc(0) }), { now }))).toBe(
      'missing_key',
    );
    const other = parseInboundTouchpoint(record({ key: Buffer.from('cust-2') }), { now });
    expect(other).toMatchObject({ ok: false, code: 'key_mismatch' });
  });

  it('refuses a message without a value', () => {
    expect(codeOf(parseInboundTouchpoint(record({ value: null }), { now }))).toBe('invalid_json');
  });

  it('applies the clock as REST does: a touchpoint too far ahead is invalid until its time', () => {
    const value = Buffer.from(JSON.stringify({ ...body, occurredAt: '2025-06-01T13:00:00Z' }));
    expect(codeOf(parseInboundTouchpoint(record({ value }), { now }))).toBe('invalid_touchpoint');
    const later = new Date('2025-06-01T13:00:00Z');
    expect(codeOf(parseInboundTouchpoint(record({ value }), { now: later }))).toBe('ok');
  });

  it('tells whose a refused message is when its value says, and nothing otherwise', () => {
    expect(inboundIdentity(record({ key: null }))).toEqual({
      touchpointId: 'tp-1',
      customerId: 'cust-1',
    });
    const types = Buffer.from(JSON.stringify({ touchpointId: 7, customerId: 'cust-9' }));
    expect(inboundIdentity(record({ value: types }))).toEqual({
      touchpointId: null,
      customerId: 'cust-9',
    });
    for (const value of [
      null,
      Buffer.from('{"a"'),
      Buffer.from('[1]'),
      Buffer.alloc(TOUCHPOINT_MAX_BYTES + 1),
    ]) {
      expect(inboundIdentity(record({ value }))).toEqual({ touchpointId: null, customerId: null });
    }
  });
});
