import { randomBytes } from 'node:crypto';
import type { Kafka, Message } from 'kafkajs';
import { TOPICS } from '@cx/contracts';
import { eventually } from '../support/eventually';
import { kafkaBrokers } from '../support/stack';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { startService, stopService, type RunningService } from '../projector/support/services';
import {
  CASE_HEADER,
  cloudEventHeaders,
  connectedProducer,
  deadLetterIdentity,
  deadLettersOfRun,
  plainMessage,
  readDeadLetterTopic,
  RUN_HEADER,
  storedCounts,
  testKafka,
  touchpointBody,
  type DeadLetterRow,
} from './support/inbound';

jest.setTimeout(240_000);

const FIVE_MB = 5 * 1024 * 1024;

/**
 * Kafka-native ingestion end to end: producers write to cx.touchpoints.inbound.v1, the ingestion
 * service stores the valid touchpoints once and dead-letters the poison ones, in the table and on
 * cx.touchpoints.deadletter.v1, while the valid messages around them keep flowing.
 */
describe('touchpoints sent through Kafka (e2e)', () => {
  const RUN = randomBytes(4).toString('hex');
  const customer = (n: number): string => `inbound-${RUN}-c${n}`;
  const id = (name: string): string => `inbound-${RUN}-${name}`;
  let db: ScratchDatabase;
  let ingestion: RunningService;
  let kafka: Kafka;

  beforeAll(async () => {
    db = await createScratchDatabase('cx_inbound');
    kafka = testKafka(`inbound-e2e-${RUN}`);
    ingestion = await startService('ingestion', {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers(),
      CX_INBOUND: 'on',
      CX_INBOUND_GROUP: `cx-ingestion-inbound.e2e-${RUN}`,
    });
  });

  afterAll(async () => {
    if (ingestion !== undefined) await stopService(ingestion);
    await db?.drop();
  });

  it('stores each valid message once and dead-letters every poison one with its reason', async () => {
    const tagged = (name: string, message: Message): Message => ({
      ...message,
      headers: { ...message.headers, [RUN_HEADER]: RUN, [CASE_HEADER]: name },
    });
    const a = touchpointBody(id('a'), customer(1));
    const b = touchpointBody(id('b'), customer(1), { channel: 'email' });
    const d = touchpointBody(id('d'), customer(2));
    const e = touchpointBody(id('e'), customer(3));
    const huge = JSON.stringify(
      touchpointBody(id('huge'), customer(2), { text: 'x'.repeat(FIVE_MB) }),
    );
    const sent: Message[] = [
      tagged('valid-plain', plainMessage(a)),
      tagged('valid-cloudevent', plainMessage(b, cloudEventHeaders(id('b')))),
      tagged('invalid-json', { key: customer(1), value: '{"touchpointId": "broken",' }),
      tagged(
        'wrong-types',
        plainMessage(touchpointBody(id('types'), customer(2), { channel: 42, sentiment: 'good' })),
      ),
      tagged('five-mb', { key: customer(2), value: huge }),
      tagged('no-key', { ...plainMessage(touchpointBody(id('nokey'), customer(3))), key: null }),
      tagged('key-mismatch', {
        ...plainMessage(touchpointBody(id('mismatch'), customer(3))),
        key: customer(4),
      }),
      tagged('duplicate', plainMessage(a)),
      tagged('conflict', plainMessage({ ...a, sentiment: -0.8 })),
      tagged(
        'bad-cloudevent',
        plainMessage(touchpointBody(id('badce'), customer(5)), {
          ...cloudEventHeaders(id('badce')),
          ce_type: 'cx.touchpoint.recorded.v1',
        }),
      ),
      // After the poison of their partitions: the partitions must keep flowing.
      tagged('valid-after-poison', plainMessage(d)),
      tagged('valid-cloudevent-after-poison', plainMessage(e, cloudEventHeaders(id('e')))),
    ];
    const producer = await connectedProducer(kafka);
    try {
      // One at a time, in order: a duplicate and a conflict must follow the message they copy.
      for (const message of sent) {
        await producer.send({ topic: TOPICS.touchpointsInbound, messages: [message] });
      }
    } finally {
      await producer.disconnect();
    }

    const expectedCodes: Record<string, string> = {
      'invalid-json': 'invalid_json',
      'wrong-types': 'invalid_touchpoint',
      'five-mb': 'payload_too_large',
      'no-key': 'missing_key',
      'key-mismatch': 'key_mismatch',
      duplicate: 'duplicate',
      conflict: 'conflict',
      'bad-cloudevent': 'invalid_cloudevent',
    };
    const valid = [id('a'), id('b'), id('d'), id('e')];
    await eventually('the valid touchpoints to be stored', async () =>
      (await storedCounts(db.pool, valid)).size === valid.length ? true : undefined,
    );
    const letters = await eventually('every poison message to be dead-lettered', async () => {
      const rows = await deadLettersOfRun(db.pool, RUN);
      return rows.length >= Object.keys(expectedCodes).length ? rows : undefined;
    });

    // Stored exactly once each, and nothing of the poison.
    const counts = await storedCounts(db.pool, [
      ...valid,
      id('types'),
      id('huge'),
      id('nokey'),
      id('mismatch'),
      id('badce'),
    ]);
    expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(valid.map((v) => [v, 1])));
    const { rows: conflictCheck } = await db.pool.query<{ sentiment: number }>(
      `SELECT (payload ->> 'sentiment')::float8 AS sentiment FROM touchpoint_events WHERE touchpoint_id = $1`,
      [id('a')],
    );
    expect(conflictCheck).toEqual([{ sentiment: 0.4 }]);

    // Each poison message once in the table, with the right code.
    expect(letters).toHaveLength(Object.keys(expectedCodes).length);
    expect(Object.fromEntries(letters.map((l) => [l.headers[CASE_HEADER], l.code]))).toEqual(
      expectedCodes,
    );
    const byCase = new Map(letters.map((l) => [l.headers[CASE_HEADER] ?? '', l]));
    expect(byCase.get('five-mb')?.value).toBeNull();
    expect(byCase.get('duplicate')?.reason).toMatch(/already stored with the same data/);
    expect(byCase.get('conflict')?.reason).toMatch(/different payload/);
    expect(byCase.get('bad-cloudevent')?.reason).toMatch(/ce_type/);
    expect(byCase.get('key-mismatch')?.key?.toString()).toBe(customer(4));

    // And on the dead-letter topic: original key, value and headers, the reason and the origin.
    const identity = (l: DeadLetterRow): string =>
      deadLetterIdentity(l.id, l.source_partition, l.source_offset);
    const onTopic = await readDeadLetterTopic(kafka, RUN, new Set(letters.map(identity)));
    for (const letter of letters) {
      const published = onTopic.get(identity(letter));
      expect(published).toBeDefined();
      if (published === undefined) continue;
      expect(published.headers).toMatchObject({
        cx_deadletter_code: letter.code,
        cx_deadletter_reason: letter.reason,
        cx_deadletter_id: letter.id,
        cx_original_topic: TOPICS.touchpointsInbound,
        cx_original_partition: String(letter.source_partition),
        cx_original_offset: letter.source_offset,
        [RUN_HEADER]: RUN,
        [CASE_HEADER]: letter.headers[CASE_HEADER],
      });
      expect(published.key?.toString() ?? null).toBe(letter.key?.toString() ?? null);
      expect(published.value?.toString() ?? null).toBe(letter.value?.toString() ?? null);
    }
    const letterOf = (name: string): DeadLetterRow => {
      const letter = byCase.get(name);
      if (letter === undefined) throw new Error(`no dead letter for ${name}`);
      return letter;
    };
    const badCloudEvent = onTopic.get(identity(letterOf('bad-cloudevent')));
    expect(badCloudEvent?.headers).toMatchObject({
      ce_type: 'cx.touchpoint.recorded.v1',
      ce_id: id('badce'),
    });
    expect(onTopic.get(identity(letterOf('five-mb')))?.value).toBeNull();

    // Counted, and reported as consuming.
    const metrics = await (await fetch(`${ingestion.url}/metrics`)).text();
    expect(metrics).toMatch(
      /cx_inbound_dead_lettered_messages_total\{[^}]*code="payload_too_large"[^}]*\} 1/,
    );
    const ready = (await (await fetch(`${ingestion.url}/health/ready`)).json()) as {
      checks?: { inbound?: { consuming?: boolean } };
    };
    expect(ready.checks?.inbound?.consuming).toBe(true);
  });
});
