import { CHANNELS, INTERACTIONS, deriveProfile, type Touchpoint } from '@cx/domain';
import {
  describeDiagnostic,
  exampleAsObserved,
  isError,
  judge,
  loadStreamsContract,
  type ChannelContract,
  type StreamsContract,
} from './asyncapi-contract.test-support';
import {
  CUSTOMER_ERASED_TYPE,
  INSIGHT_TYPES,
  toInsightMessage,
  type CustomerEvent,
} from './events/customer-insight.event';
import { toTouchpointMessage, type TouchpointRecordedV1 } from './events/touchpoint-recorded.event';
import { TOUCHPOINT_FIELD_ORDER, parseTouchpoint } from './touchpoints/parse-touchpoint';
import { INBOUND_MAX_MESSAGE_BYTES, TOPICS, TOPIC_SPECS } from './topics';

/**
 * The AsyncAPI document against the real parser, against itself (every example satisfies its
 * schemas) and against the code that builds the traffic, so that the document cannot drift.
 */

let contract: StreamsContract;

beforeAll(async () => {
  contract = await loadStreamsContract();
  const notes = contract.diagnostics.filter((d) => !isError(d)).map(describeDiagnostic);
  // Reported, not failed: e.g. the parser's hint that a later AsyncAPI version exists.
  if (notes.length > 0) console.warn(`AsyncAPI parser notes:\n${notes.join('\n')}`);
}, 60_000);

function channel(topic: string): ChannelContract {
  const found = contract.channels.get(topic);
  if (found === undefined) throw new Error(`no channel for ${topic}`);
  return found;
}

function asObserved(message: { key: string; value: Buffer; headers: Record<string, string> }): {
  key: string;
  value: string;
  headers: Record<string, string>;
} {
  return { key: message.key, value: message.value.toString('utf8'), headers: message.headers };
}

describe('asyncapi.yaml', () => {
  it('passes the AsyncAPI parser with no error', () => {
    expect(contract.diagnostics.filter(isError).map(describeDiagnostic)).toEqual([]);
    expect(contract.channels.size).toBeGreaterThan(0);
  });

  it('has one channel per topic, with the partitions and topic settings the topics get', () => {
    expect([...contract.channels.keys()].sort()).toEqual(Object.values(TOPICS).sort());
    for (const spec of TOPIC_SPECS) {
      const { kafka } = channel(spec.name);
      expect(kafka.topic).toBe(spec.name);
      expect(kafka.partitions).toBe(spec.partitions);
      const documented = kafka.topicConfiguration ?? {};
      expect(documented['cleanup.policy']).toEqual([spec.config?.['cleanup.policy'] ?? 'delete']);
      for (const [name, value] of Object.entries(spec.config ?? {})) {
        if (name === 'cleanup.policy') continue;
        expect(String(documented[name])).toBe(value);
      }
    }
    expect(channel(TOPICS.touchpointsInbound).kafka.topicConfiguration?.['max.message.bytes']).toBe(
      INBOUND_MAX_MESSAGE_BYTES,
    );
  });

  it('gives every message an example that satisfies its key, headers and payload schemas', () => {
    for (const ch of contract.channels.values()) {
      for (const message of ch.messages) {
        expect({ message: message.id, examples: message.examples.length }).toEqual({
          message: message.id,
          examples: expect.any(Number) as number,
        });
        expect(message.examples.length).toBeGreaterThan(0);
        const keys = message.keyExamples.length > 0 ? message.keyExamples : [null];
        for (const key of keys) {
          expect({ message: message.id, key, ok: message.validateKey(key) }).toMatchObject({
            ok: true,
          });
        }
        for (const example of message.examples) {
          const observed = exampleAsObserved(message, example, keys[0] as string | null);
          const verdict = judge(ch, observed);
          expect({ message: message.id, example: example.name, verdict }).toMatchObject({
            verdict: { matches: expect.arrayContaining([message.id]) as string[] },
          });
        }
      }
    }
  });

  it('tells the messages of a channel apart: each example matches its own message only', () => {
    for (const ch of contract.channels.values()) {
      for (const message of ch.messages) {
        for (const example of message.examples) {
          const observed = exampleAsObserved(message, example, 'cust-42');
          expect({
            example: `${message.id}/${example.name}`,
            matches: judge(ch, observed).matches,
          }).toEqual({ example: `${message.id}/${example.name}`, matches: [message.id] });
        }
      }
    }
  });
});

const touchpoint: Touchpoint = {
  touchpointId: 'tp-1',
  customerId: 'cust-1',
  occurredAt: '2025-06-01T10:00:00.000Z',
  channel: 'support',
  category: 'human',
  interaction: 'complaint_opened',
  complaintId: 'cmp-1',
  reason: 'delay',
  survey: { csat: 2 },
  purposes: ['analytics', 'marketing.email'],
};

describe('the document against the code that builds the traffic', () => {
  it('describes what the outbox relay publishes on cx.touchpoints.v1', () => {
    const {
      text: _text,
      attributes: _attributes,
      ...publicPart
    } = {
      ...touchpoint,
      text: 'personal',
      attributes: { a: 1 },
    };
    const sealed = { keyId: 'k', alg: 'AES-256-GCM', iv: 'AAAA', tag: 'AAAA', data: 'AAAA' };
    for (const personal of [sealed, null] as const) {
      const event = {
        ...publicPart,
        position: 7,
        recordedAt: '2025-06-01T10:00:01.000Z',
        personal,
      };
      const message = toTouchpointMessage(event as TouchpointRecordedV1, {
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        tracestate: 'vendor=1',
      });
      expect(judge(channel(TOPICS.touchpoints), asObserved(message))).toMatchObject({
        matches: ['touchpointRecorded'],
      });
    }
  });

  it('refuses personal fields in clear on cx.touchpoints.v1', () => {
    const event = { ...touchpoint, text: 'clear', position: 7, recordedAt: touchpoint.occurredAt };
    const message = toTouchpointMessage({ ...event, personal: null });
    expect(judge(channel(TOPICS.touchpoints), asObserved(message)).matches).toEqual([]);
  });

  it('describes each ce_type the projector publishes on cx.customer-insights.v1', () => {
    const causedBy = {
      touchpointId: 'tp-1',
      occurredAt: touchpoint.occurredAt,
      interaction: 'complaint_opened',
      channel: 'support',
      position: 7,
    };
    const events: readonly [CustomerEvent, string][] = [
      [
        {
          type: INSIGHT_TYPES.stage,
          customerId: 'cust-1',
          from: null,
          to: 'awareness',
          causedBy,
        },
        'stageChanged',
      ],
      [
        {
          type: INSIGHT_TYPES.emotionLevel,
          customerId: 'cust-1',
          from: 'enjoyment',
          to: 'decline',
          causedBy,
        },
        'emotionLevelChanged',
      ],
      [
        {
          type: INSIGHT_TYPES.loyaltyPosition,
          customerId: 'cust-1',
          from: 1,
          to: 0,
          causedBy,
        },
        'loyaltyPositionChanged',
      ],
      [
        {
          type: INSIGHT_TYPES.status,
          customerId: 'cust-1',
          from: 'active',
          to: 'at_risk',
          causedBy,
        },
        'statusChanged',
      ],
      [
        {
          type: CUSTOMER_ERASED_TYPE,
          customerId: 'cust-1',
          erasureId: '5f0e2d8c-8a61-4b1f-a1c3-7d9e4b2a6c10',
          erasedAt: '2025-08-01T09:30:00.120Z',
        },
        'customerErased',
      ],
    ];
    for (const [event, expected] of events) {
      const message = toInsightMessage(event, '2025-06-01T10:00:02.345Z');
      expect({
        type: event.type,
        ...judge(channel(TOPICS.customerInsights), asObserved(message)),
      }).toMatchObject({ type: event.type, matches: [expected] });
    }
  });

  it('describes the profile the domain derives (the JSON of GET /v1/customers/{id})', () => {
    const history: Touchpoint[] = [
      touchpoint,
      {
        touchpointId: 'tp-2',
        customerId: 'cust-1',
        occurredAt: '2025-06-02T10:00:00.000Z',
        channel: 'web',
        category: 'interactive',
        interaction: 'purchase',
        value: { amount: 10, currency: 'EUR' },
      },
      {
        touchpointId: 'tp-3',
        customerId: 'cust-1',
        occurredAt: '2025-06-03T10:00:00.000Z',
        channel: 'chat',
        category: 'interactive',
        interaction: 'survey_response',
        survey: { nps: 10 },
      },
    ];
    const profile = deriveProfile(history);
    const verdict = judge(channel(TOPICS.customerProfiles), {
      key: 'cust-1',
      headers: { 'content-type': 'application/json', cx_position: '3' },
      value: JSON.stringify(profile),
    });
    expect(verdict).toMatchObject({ matches: ['customerProfile'] });
  });

  const inbound = (): ChannelContract => channel(TOPICS.touchpointsInbound);
  const now = new Date('2025-06-10T00:00:00Z');
  const submitted = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    judge(inbound(), { key: String(body.customerId), headers, value: JSON.stringify(body) });

  it('lists every field and enum of the POST /v1/touchpoints body in the inbound schema', () => {
    const schema = inbound().messages[0]?.validatePayload.schema as {
      properties: Record<string, { enum?: unknown[] }>;
    };
    expect(Object.keys(schema.properties).sort()).toEqual([...TOUCHPOINT_FIELD_ORDER].sort());
    expect(schema.properties.channel?.enum).toEqual([...CHANNELS]);
    expect(schema.properties.interaction?.enum).toEqual([...INTERACTIONS]);
  });

  it('agrees with the API validation on what an inbound touchpoint may be', () => {
    const base = {
      touchpointId: 'tp-9',
      customerId: 'cust-9',
      occurredAt: '2025-06-01T12:00:00+02:00',
      channel: 'chat',
      interaction: 'inquiry',
    };
    const cases: Record<string, unknown>[] = [
      base,
      { ...base, category: 'interactive', direction: null, text: 'hello', attributes: { a: 1 } },
      { ...base, category: 'human' },
      { ...base, interaction: 'survey_response' },
      { ...base, interaction: 'survey_response', survey: { nps: 11 } },
      { ...base, interaction: 'survey_response', survey: { nps: null, csat: 4 } },
      { ...base, interaction: 'survey_response', survey: {} },
      { ...base, interaction: 'complaint_opened', complaintId: 'c1' },
      { ...base, interaction: 'complaint_opened', complaintId: 'c1', reason: 'billing' },
      { ...base, complaintId: 'c1' },
      { ...base, interaction: 'purchase', value: { amount: 5, currency: 'eur' } },
      { ...base, interaction: 'purchase', value: { amount: 5, currency: 'EUR' } },
      { ...base, interaction: 'feedback' },
      { ...base, interaction: 'feedback', sentiment: -0.4 },
      { ...base, occurredAt: '2025-06-01T12:00:00' },
      { ...base, touchpointId: 'has space' },
      { ...base, purposes: ['analytics', 'analytics'] },
      { ...base, unknown: true },
    ];
    for (const body of cases) {
      const api = parseTouchpoint(body, { now }).ok;
      expect({ body, schema: submitted(body).matches.length > 0 }).toEqual({ body, schema: api });
    }
  });

  it('tells CloudEvents inbound messages from plain ones by their headers', () => {
    const body = { ...touchpoint, category: undefined, survey: undefined, purposes: undefined };
    const ce = {
      ce_specversion: '1.0',
      ce_type: 'cx.touchpoint.submitted.v1',
      ce_source: '/crm',
      ce_id: 'tp-1',
    };
    expect(submitted(body, ce).matches).toEqual(['touchpointSubmittedCloudEvent']);
    expect(submitted(body).matches).toEqual(['touchpointSubmittedPlain']);
    expect(submitted(body, { ...ce, ce_type: 'other' }).matches).toEqual([]);
  });
});
