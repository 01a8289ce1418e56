import { parseTouchpoint } from '../touchpoints/parse-touchpoint';
import {
  jsonOfStruct,
  structOfJson,
  touchpointBodyOfMessage,
  touchpointMessageOfBody,
} from './touchpoint-message';

const NOW = new Date('2025-06-01T00:00:00Z');

describe('touchpoint messages and REST bodies', () => {
  it('gives the REST body: absent fields stay absent, attributes become a plain object', () => {
    const message = {
      touchpointId: 'tp-1',
      customerId: 'c-1',
      occurredAt: '2025-01-03T10:00:00Z',
      channel: 'chat',
      interaction: 'feedback',
      sentiment: 0,
      attributes: {
        fields: {
          agent: { stringValue: 'a-7' },
          score: { numberValue: 3 },
          vip: { boolValue: false },
          gone: { nullValue: 'NULL_VALUE' },
        },
      },
      purposes: [],
    };
    expect(touchpointBodyOfMessage(message)).toEqual({
      touchpointId: 'tp-1',
      customerId: 'c-1',
      occurredAt: '2025-01-03T10:00:00Z',
      channel: 'chat',
      interaction: 'feedback',
      sentiment: 0,
      attributes: { agent: 'a-7', score: 3, vip: false, gone: null },
    });
  });

  it('keeps nested values for validation to refuse, as REST does with nested JSON', () => {
    const body = touchpointBodyOfMessage({
      touchpointId: 'tp-1',
      customerId: 'c-1',
      occurredAt: '2025-01-03T10:00:00Z',
      channel: 'chat',
      interaction: 'feedback',
      text: 'hi',
      attributes: { fields: { deep: { listValue: { values: [{ numberValue: 1 }] } } } },
    });
    const viaRest = parseTouchpoint(
      {
        touchpointId: 'tp-1',
        customerId: 'c-1',
        occurredAt: '2025-01-03T10:00:00Z',
        channel: 'chat',
        interaction: 'feedback',
        text: 'hi',
        attributes: { deep: [1] },
      },
      { now: NOW },
    );
    expect(viaRest.ok).toBe(false);
    expect(parseTouchpoint(body, { now: NOW })).toEqual(viaRest);
  });

  it('reports a missing field and an empty one as REST does', () => {
    const missing = parseTouchpoint(touchpointBodyOfMessage({ customerId: 'c' }), { now: NOW });
    const restMissing = parseTouchpoint({ customerId: 'c' }, { now: NOW });
    expect(missing).toEqual(restMissing);
    const empty = parseTouchpoint(touchpointBodyOfMessage({ touchpointId: '' }), { now: NOW });
    expect(empty).toEqual(parseTouchpoint({ touchpointId: '' }, { now: NOW }));
  });

  it('turns a stored touchpoint back into a message and a Struct round-trips', () => {
    const attributes = { agent: 'a-7', n: 1.5, ok: true, none: null };
    expect(jsonOfStruct(structOfJson(attributes))).toEqual(attributes);
    expect(
      touchpointMessageOfBody({ touchpointId: 'tp-1', text: null, attributes: { a: 'b' } }),
    ).toEqual({ touchpointId: 'tp-1', attributes: { fields: { a: { stringValue: 'b' } } } });
  });
});
