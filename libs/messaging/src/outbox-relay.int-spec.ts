import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { createKafka } from './create-kafka';
import { ensureTopics } from './ensure-topics';
import {
  parseTouchpointMessage,
  traceCarrierOfHeaders,
  tracingActive,
  type KafkaHeaders,
  type TouchpointRecordedV1,
} from '@cx/contracts';
import type { Touchpoint } from '@cx/domain';
import { restartPostgres, startKafka, stopKafka } from '../../../test/support/stack';
import {
  createScratchDatabase,
  touchpoint,
  type ScratchDatabase,
} from '../../event-store/test/scratch-database';
import { eventually, until } from '../../../test/support/eventually';
import { EventStore, PersonalDataCipher } from '@cx/event-store';
import { OutboxRelay } from './outbox-relay';

jest.setTimeout(240_000);

interface Received {
  readonly partition: number;
  readonly offset: bigint;
  readonly key: string;
  readonly event: TouchpointRecordedV1;
  readonly headers: KafkaHeaders;
}

/** Reads a topic from the beginning up to its current end with a fresh consumer group. */
async function readTopic(kafka: Kafka, topic: string): Promise<Received[]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const ends = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  const pending = new Set(
    offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => o.partition),
  );
  const received: Received[] = [];
  if (pending.size === 0) return received;
  const consumer = kafka.consumer({ groupId: `es-test-${randomBytes(6).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const done = new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: ({ partition, message }) => {
          const parsed = parseTouchpointMessage(message);
          if (!parsed.ok) throw new Error(`unparseable message: ${parsed.reason}`);
          received.push({
            partition,
            offset: BigInt(message.offset),
            key: message.key?.toString('utf8') ?? '',
            event: parsed.event,
            headers: message.headers ?? {},
          });
          if (BigInt(message.offset) + 1n >= (ends.get(partition) ?? 0n)) pending.delete(partition);
          if (pending.size === 0) resolve();
          return Promise.resolve();
        },
      })
      .catch(reject);
  });
  await done;
  await consumer.disconnect();
  return received.sort((a, b) =>
    a.partition !== b.partition ? a.partition - b.partition : Number(a.offset - b.offset),
  );
}

function countById(received: readonly Received[], ids: readonly string[]): Map<string, number> {
  const wanted = new Set(ids);
  const counts = new Map<string, number>(ids.map((id) => [id, 0]));
  for (const r of received) {
    if (wanted.has(r.event.touchpointId))
      counts.set(r.event.touchpointId, (counts.get(r.event.touchpointId) ?? 0) + 1);
  }
  return counts;
}

/** Per customer, in the order a consumer sees them, positions must only go up. */
function expectCustomerOrder(received: readonly Received[]): void {
  const last = new Map<string, number>();
  for (const r of received) {
    expect(r.key).toBe(r.event.customerId);
    const previous = last.get(r.key) ?? 0;
    expect(r.event.position).toBeGreaterThan(previous);
    last.set(r.key, r.event.position);
  }
}

describe('OutboxRelay (real Postgres and Kafka)', () => {
  let db: ScratchDatabase;
  let store: EventStore;
  let kafka: Kafka;
  let topic: string;
  let relay: OutboxRelay;

  beforeAll(async () => {
    db = await createScratchDatabase('cx_relay');
    store = new EventStore(
      db.pool,
      new PersonalDataCipher(db.keyPool, { masterKey: randomBytes(32).toString('base64') }),
    );
    kafka = createKafka(process.env.KAFKA_BROKERS ?? '', 'cx-relay-test', { logLevel: 'nothing' });
    topic = `cx.test.relay.${randomBytes(4).toString('hex')}`;
    await ensureTopics(kafka, [{ name: topic, partitions: 6 }]);
  });

  afterAll(async () => {
    await relay?.stop();
    await db.drop();
  });

  async function caughtUp(r: OutboxRelay): Promise<boolean> {
    try {
      return (await r.status()).behind === 0;
    } catch {
      return false; // Postgres is restarting
    }
  }

  it('publishes a backlog of 10 batches of 1,000 once each, in order per customer', async () => {
    const ids: string[] = [];
    for (let b = 0; b < 10; b += 1) {
      const batch = Array.from({ length: 1000 }, (_, i) =>
        touchpoint(`bench-${i % 200}`, i % 10 === 0 ? { text: `note ${i}` } : {}),
      );
      await store.append(batch);
      ids.push(...batch.map((t) => t.touchpointId));
    }
    const benchTopic = `${topic}.bench`;
    await ensureTopics(kafka, [{ name: benchTopic, partitions: 6 }]);
    const bench = new OutboxRelay({ pool: db.pool, kafka, topic: benchTopic, name: 'bench' });
    const started = process.hrtime.bigint();
    await bench.start();
    await until('bench to catch up', () => caughtUp(bench), 120_000, 10);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(
      `relay: ${Math.round(ids.length / seconds)} events/s published (backlog of ${ids.length})`,
    );
    await bench.stop();

    const received = await readTopic(kafka, benchTopic);
    expect(received).toHaveLength(ids.length);
    expect([...countById(received, ids).values()].every((n) => n === 1)).toBe(true);
    expectCustomerOrder(received);
    const sealed = received.find((r) => r.event.personal !== null);
    expect(sealed?.event).not.toHaveProperty('text');
  });

  it('relays new appends live, woken by NOTIFY, once each', async () => {
    // Start the shared relay at the current head: the backlog above was another topic's.
    await db.pool.query("INSERT INTO relay_checkpoints (name, position) VALUES ('shared', $1)", [
      await store.headPosition(),
    ]);
    // A long poll interval: only NOTIFY can make this fast.
    relay = new OutboxRelay({
      pool: db.pool,
      kafka,
      topic,
      name: 'shared',
      batchSize: 25,
      pollIntervalMs: 60_000,
      maxBackoffMs: 1000,
    });
    await relay.start();
    const list = Array.from({ length: 1000 }, (_, i) => touchpoint(`live-${i % 50}`));
    await store.append(list);
    await until('relay to catch up', () => caughtUp(relay), 30_000);
    const received = await readTopic(kafka, topic);
    expect(
      [
        ...countById(
          received,
          list.map((t) => t.touchpointId),
        ).values(),
      ].every((n) => n === 1),
    ).toBe(true);
    expectCustomerOrder(received);
    const status = await relay.status();
    expect(status).toMatchObject({ behind: 0, oldestUnpublishedAgeSeconds: null, healthy: true });
  });

  it('does not publish a retried duplicate again', async () => {
    const list = [touchpoint('retry-1'), touchpoint('retry-1')];
    await store.append(list);
    await until('relay to catch up', () => caughtUp(relay));
    expect((await store.append(list)).map((r) => r.status)).toEqual(['duplicate', 'duplicate']);
    await until('relay to catch up', () => caughtUp(relay));
    const counts = countById(
      await readTopic(kafka, topic),
      list.map((t) => t.touchpointId),
    );
    expect([...counts.values()]).toEqual([1, 1]);
  });

  it("carries each event's stored trace context in ce_traceparent, as stored while tracing is off", async () => {
    expect(tracingActive()).toBe(false);
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const [traced, plain] = [touchpoint('trace-1'), touchpoint('trace-1')];
    await store.append([traced], { trace: { traceparent, tracestate: 'vendor=1' } });
    await store.append([plain]);
    await until('relay to catch up', () => caughtUp(relay));
    const received = await readTopic(kafka, topic);
    const headersOf = (id: string): KafkaHeaders | undefined =>
      received.find((r) => r.event.touchpointId === id)?.headers;
    expect(traceCarrierOfHeaders(headersOf(traced.touchpointId))).toEqual({
      traceparent,
      tracestate: 'vendor=1',
    });
    expect(headersOf(plain.touchpointId)).toBeDefined();
    expect(headersOf(plain.touchpointId)).not.toHaveProperty('ce_traceparent');
    expect(headersOf(plain.touchpointId)).not.toHaveProperty('ce_tracestate');
  });

  it('runs one active relay per name: a second instance stands by, then takes over', async () => {
    const standby = new OutboxRelay({
      pool: db.pool,
      kafka,
      topic,
      name: 'shared',
      batchSize: 25,
      pollIntervalMs: 200,
      maxBackoffMs: 1000,
    });
    await standby.start();
    const first = Array.from({ length: 200 }, (_, i) => touchpoint(`standby-${i % 7}`));
    await store.append(first);
    await until('relay to catch up', () => caughtUp(relay));
    expect((await relay.status()).active).toBe(true);
    expect((await standby.status()).active).toBe(false);

    await relay.stop();
    relay = standby;
    const second = Array.from({ length: 200 }, (_, i) => touchpoint(`standby-${i % 7}`));
    await store.append(second);
    await until('standby to catch up', () => caughtUp(standby), 30_000);
    expect((await standby.status()).active).toBe(true);
    const received = await readTopic(kafka, topic);
    const counts = countById(
      received,
      [...first, ...second].map((t) => t.touchpointId),
    );
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expectCustomerOrder(received);
  });

  it('never skips or reorders under 8 writers with randomly delayed commits, 20 rounds', async () => {
    const customers = ['race-a', 'race-b', 'race-c', 'race-d', 'race-e'];
    const pick = (): string => customers[Math.floor(Math.random() * customers.length)] as string;
    const accepted: string[] = [];
    for (let round = 0; round < 20; round += 1) {
      const writers = Array.from({ length: 8 }, () => {
        const batch: Touchpoint[] = Array.from({ length: 1 + Math.floor(Math.random() * 6) }, () =>
          touchpoint(pick()),
        );
        return store
          .append(batch, {
            // The delayed commit is what opens the sequence gap when positions are not ordered.
            beforeCommit: () => new Promise((resolve) => setTimeout(resolve, Math.random() * 15)),
          })
          .then((results) => accepted.push(...results.map((r) => r.touchpointId)));
      });
      await Promise.all(writers);
    }
    await until('relay to catch up', () => caughtUp(relay), 60_000);
    const received = await readTopic(kafka, topic);
    const counts = countById(received, accepted);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    expectCustomerOrder(received);
  });

  it('passes the hole a rolled-back append leaves, without stalling', async () => {
    const before = touchpoint('hole');
    const lost = [touchpoint('hole'), touchpoint('hole')];
    const after = touchpoint('hole');
    await store.append([before]);
    await expect(
      store.append(lost, { beforeCommit: () => Promise.reject(new Error('rolled back')) }),
    ).rejects.toThrow();
    await store.append([after]);
    await until('relay to catch up', () => caughtUp(relay), 30_000);
    const counts = countById(
      await readTopic(kafka, topic),
      [before, ...lost, after].map((t) => t.touchpointId),
    );
    expect(Object.fromEntries(counts)).toEqual({
      [before.touchpointId]: 1,
      [lost[0]?.touchpointId ?? '']: 0,
      [lost[1]?.touchpointId ?? '']: 0,
      [after.touchpointId]: 1,
    });
  });

  it('keeps going through a Kafka outage and loses nothing', async () => {
    await stopKafka();
    try {
      const during = Array.from({ length: 300 }, (_, i) => touchpoint(`kafka-down-${i % 10}`));
      await store.append(during);
      await until(
        'the relay to report the outage',
        async () => !(await relay.status()).healthy,
        60_000,
        100,
      );
      expect((await relay.status()).behind).toBeGreaterThanOrEqual(300);
      await startKafka();
      await until('relay to catch up', () => caughtUp(relay), 120_000, 100);
      const received = await readTopic(kafka, topic);
      const counts = countById(
        received,
        during.map((t) => t.touchpointId),
      );
      // At least once: a batch interrupted mid-send may come twice, none may be missing.
      expect([...counts.values()].every((n) => n >= 1)).toBe(true);
      await until(
        'the relay to report healthy',
        async () => (await relay.status()).healthy,
        30_000,
        100,
      );
    } finally {
      await startKafka();
    }
  });

  it('keeps going through a Postgres restart and loses nothing', async () => {
    const beforeRestart = Array.from({ length: 50 }, (_, i) => touchpoint(`pg-restart-${i % 5}`));
    await store.append(beforeRestart);
    await restartPostgres();
    let afterRestart: Touchpoint[] = [];
    // The pool's connections died with the server; the first append after it may meet one.
    await eventually(
      'an append to succeed after the restart',
      async () => {
        afterRestart = Array.from({ length: 50 }, (_, i) => touchpoint(`pg-restart-${i % 5}`));
        await store.append(afterRestart);
        return true;
      },
      60_000,
      200,
    );
    // Well within the 60 s poll interval: losing the LISTEN connection wakes the relay up.
    await until('relay to catch up', () => caughtUp(relay), 30_000, 100);
    const received = await readTopic(kafka, topic);
    const counts = countById(
      received,
      [...beforeRestart, ...afterRestart].map((t) => t.touchpointId),
    );
    expect([...counts.values()].every((n) => n >= 1)).toBe(true);
    await until(
      'the relay to report healthy',
      async () => (await relay.status()).healthy,
      30_000,
      100,
    );
  });
});
