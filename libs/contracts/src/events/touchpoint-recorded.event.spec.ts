import {
  CATEGORIES,
  CHANNELS,
  COMPLAINT_REASONS,
  EMOTION_LEVELS,
  INTERACTIONS,
  type Touchpoint,
} from '@cx/domain';
import {
  parseTouchpointMessage,
  splitPersonalFields,
  toTouchpointMessage,
  TOUCHPOINT_RECORDED_TYPE,
  type TouchpointRecordedV1,
} from './touchpoint-recorded.event';

const touchpoint: Touchpoint = {
  touchpointId: 'tp-1',
  customerId: 'cust-1',
  occurredAt: '2025-01-03T10:00:00.000Z',
  channel: 'support',
  category: 'human',
  interaction: 'complaint_opened',
  complaintId: 'c-1',
  reason: 'billing',
  sentiment: -0.5,
  text: 'my bill is wrong',
  attributes: { phone: '+34 600 000 000' },
};

function recorded(): TouchpointRecordedV1 {
  const { publicPart } = splitPersonalFields(touchpoint);
  return {
    ...publicPart,
    position: 42,
    recordedAt: '2025-01-03T10:00:01.000Z',
    personal: { keyId: 'k-1', alg: 'AES-256-GCM', iv: 'AAAA', tag: 'BBBB', data: 'CCCC' },
  };
}

describe('splitPersonalFields', () => {
  it('takes text and attributes out and leaves the rest', () => {
    const { publicPart, personal } = splitPersonalFields(touchpoint);
    expect(personal).toEqual({
      text: 'my bill is wrong',
      attributes: { phone: '+34 600 000 000' },
    });
    expect(publicPart).not.toHaveProperty('text');
    expect(publicPart).not.toHaveProperty('attributes');
    expect(publicPart).toMatchObject({ touchpointId: 'tp-1', complaintId: 'c-1', sentiment: -0.5 });
  });

  it('gives null when there is no personal data', () => {
    const { text: _t, attributes: _a, ...plain } = touchpoint;
    expect(splitPersonalFields(plain as Touchpoint).personal).toBeNull();
  });
});

describe('toTouchpointMessage', () => {
  it('builds a CloudEvents binary-mode message keyed by customer', () => {
    const message = toTouchpointMessage(recorded());
    expect(message.key).toBe('cust-1');
    expect(message.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: 'tp-1',
      ce_type: TOUCHPOINT_RECORDED_TYPE,
      ce_source: '/cx-journey/ingestion',
      ce_subject: 'cust-1',
      ce_time: '2025-01-03T10:00:00.000Z',
      'content-type': 'application/json',
    });
    const value = JSON.parse(message.value.toString('utf8')) as Record<string, unknown>;
    expect(value).toMatchObject({ position: 42, touchpointId: 'tp-1', personal: { keyId: 'k-1' } });
    expect(value).not.toHaveProperty('text');
  });
});

describe('parseTouchpointMessage', () => {
  it('round-trips what toTouchpointMessage built, headers as Buffers like kafkajs gives them', () => {
    const message = toTouchpointMessage(recorded());
    const headers = Object.fromEntries(
      Object.entries(message.headers).map(([k, v]) => [k, Buffer.from(v)]),
    );
    const parsed = parseTouchpointMessage({
      key: Buffer.from(message.key),
      value: message.value,
      headers,
    });
    expect(parsed).toEqual({
      ok: true,
      event: recorded(),
      touchpoint: expect.objectContaining({
        touchpointId: 'tp-1',
        interaction: 'complaint_opened',
      }) as unknown,
    });
    if (parsed.ok) {
      expect(parsed.touchpoint).not.toHaveProperty('position');
      expect(parsed.touchpoint).not.toHaveProperty('personal');
    }
  });

  const bad = (patch: Record<string, unknown>): Buffer =>
    Buffer.from(JSON.stringify({ ...recorded(), ...patch }));

  it.each([
    ['not JSON', Buffer.from('{nope'), 'value is not JSON'],
    ['an array', Buffer.from('[]'), 'value must be a JSON object'],
    ['no position', bad({ position: undefined }), 'position must be a positive integer'],
    ['a fractional position', bad({ position: 1.5 }), 'position must be a positive integer'],
    [
      'a bad recordedAt',
      bad({ recordedAt: 'yesterday' }),
      'recordedAt must be an ISO-8601 instant',
    ],
    [
      'a wrong alg',
      bad({ personal: { ...recorded().personal, alg: 'none' } }),
      'personal.alg must be AES-256-GCM',
    ],
    ['an unknown channel', bad({ channel: 'fax' }), 'channel is unknown'],
    ['a category off its channel', bad({ category: 'static' }), 'category disagrees with channel'],
    ['an unknown interaction', bad({ interaction: 'wink' }), 'interaction is unknown'],
    [
      'no complaintId',
      bad({ complaintId: undefined }),
      'complaintId is required for complaint_opened',
    ],
    [
      'personal data in clear',
      bad({ text: 'hello' }),
      'text is personal data and must not travel in clear',
    ],
  ])('refuses %s', (_name, value, reason) => {
    expect(parseTouchpointMessage({ value })).toEqual({ ok: false, reason });
  });

  it('refuses a tombstone, another event type and a ce_id that disagrees', () => {
    expect(parseTouchpointMessage({ value: null })).toEqual({
      ok: false,
      reason: 'empty value (tombstone)',
    });
    const message = toTouchpointMessage(recorded());
    expect(
      parseTouchpointMessage({
        value: message.value,
        headers: { ...message.headers, ce_type: 'x.v1' },
      }),
    ).toEqual({ ok: false, reason: 'unexpected ce_type x.v1' });
    expect(
      parseTouchpointMessage({
        value: message.value,
        headers: { ...message.headers, ce_id: 'tp-2' },
      }),
    ).toEqual({ ok: false, reason: 'ce_id disagrees with touchpointId' });
  });
});

describe('touchpoint-recorded.v1.schema.json', () => {
  // Read as data so a drift between the published schema and the domain's enums fails here.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const schema = require('../../schemas/touchpoint-recorded.v1.schema.json') as {
    required: string[];
    properties: Record<string, { enum?: readonly string[] }>;
  };

  it('lists exactly the domain enums', () => {
    expect(schema.properties.channel?.enum).toEqual([...CHANNELS]);
    expect(schema.properties.category?.enum).toEqual([...CATEGORIES]);
    expect(schema.properties.interaction?.enum).toEqual([...INTERACTIONS]);
    expect(schema.properties.emotion?.enum).toEqual([...EMOTION_LEVELS]);
    expect(schema.properties.reason?.enum).toEqual([...COMPLAINT_REASONS]);
  });

  it('declares every field of a built message and none of the personal ones', () => {
    const value = JSON.parse(toTouchpointMessage(recorded()).value.toString('utf8')) as object;
    for (const key of Object.keys(value)) expect(schema.properties).toHaveProperty(key);
    for (const key of schema.required) expect(value).toHaveProperty(key);
    expect(schema.properties).not.toHaveProperty('text');
    expect(schema.properties).not.toHaveProperty('attributes');
  });
});
