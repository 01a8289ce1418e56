import { randomBytes } from 'node:crypto';
import type { Kafka, Message } from 'kafkajs';
import { TOPICS } from '@cx/contracts';
import { eventually } from '../support/eventually';
import { kafkaBrokers } from '../support/stack';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import {
  CASE_HEADER,
  cloudEventHeaders,
  connectedProducer,
  deadLetterIdentity,
  deadLettersOfRun,
  inboundEndOffsets,
  plainMessage,
  readDeadLetterTopic,
  RUN_HEADER,
  storedCounts,
  testKafka,
  touchpointBody,
} from '../inbound/support/inbound';
import { ServiceProcess } from './support/fault-harness';

jest.setTimeout(300_000);

const MESSAGES = 8000;
const CUSTOMERS = 400;
/** One message in this many is poison. */
const POISON_EVERY = 25;
const POISON_KINDS = ['invalid_json', 'missing_key', 'key_mismatch', 'duplicate'] as const;

/**
 * kill -9 of the ingestion service while it consumes the inbound topic: the offsets live in
 * Postgres, committed with the appends and the dead letters, so the restarted service goes on
 * from the last committed chunk. Every valid touchpoint is stored once, and every poison message
 * dead-lettered once; a redelivered message never comes back as a `duplicate` dead letter.
 */
describe('ingestion killed (SIGKILL) while consuming the inbound topic (e2e)', () => {
  const RUN = randomBytes(4).toString('hex');
  let db: ScratchDatabase;
  let kafka: Kafka;
  let env: Record<string, string>;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    db = await createScratchDatabase('cx_inbound_kill');
    kafka = testKafka(`inbound-kill-${RUN}`);
    env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers(),
      CX_INBOUND: 'on',
      CX_INBOUND_GROUP: `cx-ingestion-inbound.kill-${RUN}`,
    };
  });

  afterAll(async () => {
    for (const service of services) await service.stop('SIGKILL');
    await db?.drop();
  });

  /** The touchpoints sent, valid and poison, in order. */
  function workload(): { messages: Message[]; valid: string[]; poison: Map<string, string> } {
    const messages: Message[] = [];
    const valid: string[] = [];
    const poison = new Map<string, string>();
    const sentBodies: Record<string, unknown>[] = [];
    for (let i = 0; i < MESSAGES; i += 1) {
      const name = `m${i}`;
      const headers = { [RUN_HEADER]: RUN, [CASE_HEADER]: name };
      const customer = `kill-${RUN}-c${i % CUSTOMERS}`;
      const body = touchpointBody(`kill-${RUN}-${name}`, customer, {
        occurredAt: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
      });
      if (i % POISON_EVERY === POISON_EVERY - 1) {
        const kind =
          POISON_KINDS[Math.floor(i / POISON_EVERY) % POISON_KINDS.length] ?? 'invalid_json';
        poison.set(name, kind);
        if (kind === 'invalid_json') messages.push({ key: customer, value: '{"oops"', headers });
        else if (kind === 'missing_key')
          messages.push({ ...plainMessage(body, headers), key: null });
        else if (kind === 'key_mismatch')
          messages.push({ ...plainMessage(body, headers), key: `${customer}-x` });
        else {
          // A second copy of an earlier touchpoint of the same customer (same partition, later).
          const earlier = sentBodies[sentBodies.length - CUSTOMERS] ?? sentBodies[0];
          messages.push(plainMessage(earlier ?? body, headers));
        }
        continue;
      }
      valid.push(String(body.touchpointId));
      sentBodies.push(body);
      messages.push(
        plainMessage(
          body,
          i % 2 === 0 ? { ...headers, ...cloudEventHeaders(String(body.touchpointId)) } : headers,
        ),
      );
    }
    return { messages, valid, poison };
  }

  async function storedOf(ids: readonly string[]): Promise<number> {
    return [...(await storedCounts(db.pool, ids)).values()].reduce((a, b) => a + b, 0);
  }

  /** Every partition's recorded offset has reached `ends`. */
  async function consumedUpTo(ends: ReadonlyMap<number, bigint>): Promise<boolean> {
    const { rows } = await db.pool.query<{ partition: number; next_offset: string }>(
      'SELECT partition, next_offset FROM inbound_offsets WHERE consumer_group = $1 AND topic = $2',
      [env.CX_INBOUND_GROUP, TOPICS.touchpointsInbound],
    );
    const recorded = new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
    return [...ends].every(
      ([partition, end]) => end === 0n || (recorded.get(partition) ?? 0n) >= end,
    );
  }

  it('loses nothing and doubles nothing across the kill', async () => {
    const { messages, valid, poison } = workload();
    // The whole backlog is on the topic before the service starts, so the kill lands mid-stream.
    const producer = await connectedProducer(kafka);
    try {
      for (let i = 0; i < messages.length; i += 500) {
        await producer.send({
          topic: TOPICS.touchpointsInbound,
          messages: messages.slice(i, i + 500),
        });
      }
    } finally {
      await producer.disconnect();
    }
    const ends = await inboundEndOffsets(kafka);

    const victim = await ServiceProcess.launch('ingestion', env, { name: 'ingestion-1' });
    services.push(victim);
    // A quarter in: several chunks committed on several partitions, others in flight.
    await eventually(
      'a quarter of the inbound touchpoints to be stored',
      async () => ((await storedOf(valid)) >= valid.length / 4 ? true : undefined),
      90_000,
      10,
    );
    await victim.stop('SIGKILL');
    const atKill = await storedOf(valid);
    console.log(`ingestion killed with ${atKill} of ${valid.length} valid touchpoints stored`);
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(valid.length);

    const second = await ServiceProcess.launch('ingestion', env, { name: 'ingestion-2' });
    services.push(second);
    await second.ready();
    await eventually(
      'the backlog to be consumed',
      async () => ((await consumedUpTo(ends)) ? true : undefined),
      120_000,
      200,
    );

    const counts = await storedCounts(db.pool, valid);
    const missing = valid.filter((id) => counts.get(id) !== 1);
    expect(missing).toEqual([]);
    const letters = await deadLettersOfRun(db.pool, RUN);
    const byCase = new Map<string, string[]>();
    for (const letter of letters) {
      const name = letter.headers[CASE_HEADER] ?? '?';
      byCase.set(name, [...(byCase.get(name) ?? []), letter.code]);
    }
    // Exactly the poison, once each, with its code: no redelivery shows up as a duplicate.
    expect(Object.fromEntries(byCase)).toEqual(
      Object.fromEntries([...poison].map(([name, code]) => [name, [code]])),
    );
    // Each on the dead-letter topic too (at least once; copies are told apart by their id).
    const expected = new Set(
      letters.map((l) => deadLetterIdentity(l.id, l.source_partition, l.source_offset)),
    );
    const onTopic = await readDeadLetterTopic(kafka, RUN, expected, 90_000);
    expect(onTopic.size).toBe(poison.size);
  });
});
