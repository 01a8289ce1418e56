import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { Partitioners, type Kafka } from 'kafkajs';
import { TOPICS } from '@cx/contracts';
import { createKafka } from '@cx/messaging';
import {
  judge,
  loadStreamsContract,
  describeDiagnostic,
  isError,
  type ChannelContract,
  type StreamsContract,
} from '../../libs/contracts/src/asyncapi-contract.test-support';
import { kafkaBrokers } from '../support/stack';
import { eventually } from '../support/eventually';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import {
  distMain,
  startService,
  stopService,
  type RunningService,
} from '../projector/support/services';
import { readTopic, type ReadMessage } from './support/topic-reader';

jest.setTimeout(300_000);

/**
 * The AsyncAPI document against real traffic: the built services produce messages on every topic
 * (REST and Kafka ingestion, the projector's insights and profiles, dead letters from both, an
 * erasure), then a plain Kafka client reads each topic from the start and every message of this
 * run must satisfy the key, header and payload schemas of one message of its channel, as the
 * parsed document states them, with every documented message type seen at least once.
 */
const RUN = `st-${randomBytes(3).toString('hex')}`;
const REST_CUSTOMER = `${RUN}-rest`;
const ERASED = `${RUN}-erased`;
const CLOUDEVENT_CUSTOMER = `${RUN}-ce`;
const PLAIN_CUSTOMER = `${RUN}-plain`;
/** Keys of messages written on purpose against the contract, to make dead letters. */
const INBOUND_POISON = `${RUN}-poison-inbound`;
const RECORDED_POISON = `${RUN}-poison-recorded`;
const POISON = new Set([INBOUND_POISON, RECORDED_POISON]);

type Body = Record<string, unknown>;

let sequence = 0;
function touchpoint(customerId: string, interaction: string, extra: Body = {}): Body {
  sequence += 1;
  return {
    touchpointId: `${RUN}-tp-${sequence}`,
    customerId,
    occurredAt: new Date(Date.UTC(2025, 4, 1) + sequence * 3_600_000).toISOString(),
    channel: 'chat',
    interaction,
    ...extra,
  };
}

const ours = (key: string | null): boolean => key !== null && key.startsWith(`${RUN}-`);

describe('topic contracts (built services, real Kafka and Postgres)', () => {
  let contract: StreamsContract;
  let db: ScratchDatabase;
  let kafka: Kafka;
  let ingestion: RunningService;
  let projector: RunningService;
  let query: RunningService;
  /** Touchpoints sent through Kafka, by customer. */
  const inboundSent = new Map<string, Body>();

  const http = async (
    service: RunningService,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: Body }> => {
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Body) };
  };

  const channel = (topic: string): ChannelContract => {
    const found = contract.channels.get(topic);
    if (found === undefined) throw new Error(`the AsyncAPI document has no channel for ${topic}`);
    return found;
  };

  /**
   * Reads `topic` until every message type in `expected` was seen among this run's messages,
   * then checks each of them against the channel's schemas. Answers the messages by type.
   */
  const readAndJudge = async (
    topic: string,
    expected: readonly string[],
    skip: (message: ReadMessage) => boolean = () => false,
  ): Promise<Map<string, ReadMessage[]>> => {
    const ch = channel(topic);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const messages = (await readTopic(kafka, topic, ours)).filter((m) => !skip(m));
      const byType = new Map<string, ReadMessage[]>();
      const misfits: string[] = [];
      for (const message of messages) {
        const verdict = judge(ch, message);
        const [type] = verdict.matches;
        if (verdict.matches.length === 1 && type !== undefined) {
          byType.set(type, [...(byType.get(type) ?? []), message]);
          continue;
        }
        const why =
          verdict.matches.length > 1
            ? `fits ${verdict.matches.join(' and ')}`
            : verdict.problems.join('\n    ');
        misfits.push(
          `${message.partition}@${message.offset} key=${message.key ?? 'null'} headers=${JSON.stringify(message.headers)} value=${(message.value ?? 'null').slice(0, 300)}\n    ${why}`,
        );
      }
      // A message that fits no documented message (or several) breaks the contract.
      expect(misfits).toEqual([]);
      const missing = expected.filter((type) => !byType.has(type));
      if (missing.length === 0) return byType;
      if (Date.now() > deadline) {
        throw new Error(`${topic}: no ${missing.join(', ')} of this run after 120 s`);
      }
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  };

  beforeAll(async () => {
    contract = await loadStreamsContract();
    expect(contract.diagnostics.filter(isError).map(describeDiagnostic)).toEqual([]);
    for (const app of ['ingestion', 'projector', 'query']) distMain(app);
    db = await createScratchDatabase('cx_st');
    kafka = createKafka(kafkaBrokers(), `${RUN}-test`, { logLevel: 'error' });
    // The inbound topic is shared with other suites: this run's ingestion starts at its current
    // end (recorded where the consumer resumes), so it only takes what this test sends.
    const admin = kafka.admin();
    await admin.connect();
    const inboundEnds = await admin.fetchTopicOffsets(TOPICS.touchpointsInbound);
    await admin.disconnect();
    const inboundGroup = `${RUN}-inbound`;
    for (const { partition, high } of inboundEnds) {
      await db.pool.query(
        `INSERT INTO inbound_offsets (consumer_group, topic, partition, next_offset) VALUES ($1, $2, $3, $4)`,
        [inboundGroup, TOPICS.touchpointsInbound, partition, high],
      );
    }
    const env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers(),
      PROJECTOR_GROUP: `projector.${RUN}`,
      CX_INBOUND: 'on',
      CX_INBOUND_GROUP: inboundGroup,
      GRPC_PORT: '0',
    };
    [ingestion, projector, query] = await Promise.all([
      startService('ingestion', env, 'ingestion'),
      startService('projector', env, 'projector'),
      startService('query', env, 'query'),
    ]);

    // REST: a customer with personal data (sealed on the topic), and one to erase.
    const batch = await http(ingestion, 'POST', '/v1/touchpoints/batch', {
      touchpoints: [
        touchpoint(REST_CUSTOMER, 'inquiry', {
          text: 'please call me back',
          attributes: { agent: 'a-7' },
          purposes: ['analytics'],
        }),
        touchpoint(REST_CUSTOMER, 'purchase', { value: { amount: 40, currency: 'EUR' } }),
        touchpoint(REST_CUSTOMER, 'survey_response', { survey: { nps: 10, csat: 5 } }),
        touchpoint(REST_CUSTOMER, 'complaint_opened', { complaintId: 'k1', reason: 'delay' }),
        touchpoint(ERASED, 'inquiry', { text: 'erase me' }),
      ],
    });
    expect(batch.status).toBe(202);

    // Kafka: a CloudEvent, a plain touchpoint, and a value that is not JSON.
    const ce = touchpoint(CLOUDEVENT_CUSTOMER, 'purchase', { channel: 'web' });
    const plain = touchpoint(PLAIN_CUSTOMER, 'survey_response', { survey: { ces: 6 } });
    inboundSent.set(CLOUDEVENT_CUSTOMER, ce);
    inboundSent.set(PLAIN_CUSTOMER, plain);
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: TOPICS.touchpointsInbound,
      messages: [
        {
          key: CLOUDEVENT_CUSTOMER,
          value: JSON.stringify(ce),
          headers: {
            ce_specversion: '1.0',
            ce_type: 'cx.touchpoint.submitted.v1',
            ce_source: '//streams-test.example/producer',
            ce_id: String(ce.touchpointId),
            'content-type': 'application/json',
          },
        },
        { key: PLAIN_CUSTOMER, value: JSON.stringify(plain) },
        { key: INBOUND_POISON, value: '{"touchpointId": "x", ' },
      ],
    });
    // Something no cx-journey service wrote, on the recorded topic: the projector's dead letter.
    await producer.send({
      topic: TOPICS.touchpoints,
      messages: [{ key: RECORDED_POISON, value: '{"not":"a touchpoint"}' }],
    });
    await producer.disconnect();

    // Erase once the customer is projected, so that their profile gets its tombstone.
    const position = Math.max(
      ...(batch.body.results as { position: number }[]).map((r) => r.position),
    );
    const profile = await http(
      query,
      'GET',
      `/v1/customers/${ERASED}?minPosition=${position}&waitMs=30000`,
    );
    expect(profile.status).toBe(200);
    const erased = await http(query, 'DELETE', `/v1/customers/${ERASED}`);
    expect(erased.status).toBe(201);
  });

  afterAll(async () => {
    for (const service of [ingestion, projector, query]) {
      if (service) await stopService(service, 'SIGKILL');
    }
    await db?.drop();
  });

  it('cx.touchpoints.v1: every recorded touchpoint as documented, personal fields sealed', async () => {
    const byType = await readAndJudge(
      TOPICS.touchpoints,
      ['touchpointRecorded'],
      (m) => m.key === RECORDED_POISON,
    );
    const recorded = byType.get('touchpointRecorded') ?? [];
    const sealed = recorded.filter(
      (m) => m.key === REST_CUSTOMER && m.value?.includes('"personal":{'),
    );
    expect(sealed.length).toBeGreaterThan(0);
    for (const message of recorded) expect(message.value).not.toContain('please call me back');
    // ce_time is the touchpoint's occurredAt.
    for (const message of recorded) {
      const value = JSON.parse(message.value ?? '{}') as { occurredAt: string };
      expect(message.headers.ce_time).toBe(value.occurredAt);
    }
  });

  it('cx.customer-insights.v1: each ce_type as its own documented message, ce_time the processing time', async () => {
    const byType = await readAndJudge(TOPICS.customerInsights, [
      'stageChanged',
      'emotionLevelChanged',
      'loyaltyPositionChanged',
      'statusChanged',
      'customerErased',
    ]);
    for (const [type, messages] of byType) {
      if (type === 'customerErased') continue;
      for (const message of messages) {
        const value = JSON.parse(message.value ?? '{}') as { causedBy: { occurredAt: string } };
        // The touchpoints happened in 2025; the projector derived the change now.
        expect(Date.parse(message.headers.ce_time ?? '')).toBeGreaterThan(
          Date.parse(value.causedBy.occurredAt) + 24 * 3_600_000,
        );
      }
    }
  });

  it('cx.touchpoints.inbound.v1: the CloudEvents and the plain touchpoint as documented', async () => {
    await readAndJudge(
      TOPICS.touchpointsInbound,
      ['touchpointSubmittedCloudEvent', 'touchpointSubmittedPlain'],
      (m) => m.key === INBOUND_POISON,
    );
    // And ingestion took them: they are recorded touchpoints now.
    for (const [customerId, sent] of inboundSent) {
      const read = await eventually(`${customerId} in the read model`, async () => {
        const answer = await http(query, 'GET', `/v1/customers/${customerId}`);
        return answer.status === 200 ? answer : undefined;
      });
      expect(read.body).toMatchObject({ customerId, touchpoints: 1 });
      // Projected, so published: the recorded copy carries the producer's touchpointId.
      const recorded = await readTopic(kafka, TOPICS.touchpoints, (key) => key === customerId);
      expect(recorded.map((m) => m.headers.ce_id)).toContain(sent.touchpointId);
    }
  });

  it('cx.touchpoints.deadletter.v1: a dead letter from ingestion and one from the projector', async () => {
    const byType = await readAndJudge(
      TOPICS.touchpointsDeadLetter,
      ['deadLetter'],
      (m) => !POISON.has(m.key ?? ''),
    );
    const letters = byType.get('deadLetter') ?? [];
    const fromInbound = letters.find((m) => m.key === INBOUND_POISON);
    const fromProjector = letters.find((m) => m.key === RECORDED_POISON);
    expect(fromInbound?.headers).toMatchObject({
      cx_deadletter_code: 'invalid_json',
      cx_original_topic: TOPICS.touchpointsInbound,
    });
    expect(fromInbound?.value).toBe('{"touchpointId": "x", ');
    expect(fromProjector?.headers).toMatchObject({
      cx_deadletter_code: 'invalid_event',
      cx_original_topic: TOPICS.touchpoints,
    });
    expect(fromProjector?.value).toBe('{"not":"a touchpoint"}');
  });

  it('cx.customer-profiles.v1: profiles as GET answers them, and a tombstone for the erased customer', async () => {
    // Folded by key from the start (last wins, a tombstone deletes), the stream holds the
    // profiles GET answers; read again until the relay has caught up with the last change.
    const expected = (await http(query, 'GET', `/v1/customers/${REST_CUSTOMER}`)).body;
    await eventually(
      'the folded profile stream to equal GET /v1/customers/{id}',
      async () => {
        const byType = await readAndJudge(TOPICS.customerProfiles, [
          'customerProfile',
          'customerProfileTombstone',
        ]);
        const folded = new Map<string, unknown>();
        const all = [...byType.values()].flat();
        all.sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
        for (const message of all) {
          if (message.value === null) folded.delete(message.key ?? '');
          else folded.set(message.key ?? '', JSON.parse(message.value) as unknown);
        }
        const erasedTombstone = (byType.get('customerProfileTombstone') ?? []).some(
          (m) => m.key === ERASED,
        );
        return erasedTombstone &&
          !folded.has(ERASED) &&
          isDeepStrictEqual(folded.get(REST_CUSTOMER), expected)
          ? true
          : undefined;
      },
      60_000,
      2_000,
    );
  });
});
