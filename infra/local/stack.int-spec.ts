import { randomUUID } from 'node:crypto';
import { createKafka, createProducer, ensureTopics } from '@cx/messaging';
import { TOPIC_SPECS } from '@cx/contracts';
import type { Kafka } from 'kafkajs';
import { Client } from 'pg';
import {
  databaseUrl,
  kafkaBrokers,
  restartPostgres,
  startKafka,
  stopKafka,
} from '../../test/support/stack';
import { portAnswers } from './process-utils';

async function produceOne(kafka: Kafka, topic: string, value: string): Promise<void> {
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: [{ key: 'customer-1', value }] });
  } finally {
    await producer.disconnect();
  }
}

/** Reads `topic` from the beginning with a fresh group until `count` values arrived. */
async function consume(kafka: Kafka, topic: string, count: number): Promise<string[]> {
  const consumer = kafka.consumer({ groupId: `stack-test-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    return await new Promise<string[]>((resolve, reject) => {
      const values: string[] = [];
      const timer = setTimeout(
        () => reject(new Error(`only ${values.length}/${count} messages in 60 s`)),
        60_000,
      );
      consumer
        .run({
          eachMessage: ({ message }) => {
            values.push(message.value?.toString() ?? '');
            if (values.length >= count) {
              clearTimeout(timer);
              resolve(values);
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
}

describe('local stack (real Kafka and Postgres from the global setup)', () => {
  const topic = `cx.test.stack-${randomUUID()}`;
  let kafka: Kafka;

  beforeAll(async () => {
    kafka = createKafka(kafkaBrokers(), 'stack-int-spec', { logLevel: 'nothing' });
    await ensureTopics(kafka, [{ name: topic, partitions: 1 }]);
  });

  it('has created the project topics with their partition counts', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: TOPIC_SPECS.map((t) => t.name) });
      const partitions = Object.fromEntries(
        metadata.topics.map((t) => [t.name, t.partitions.length]),
      );
      expect(partitions).toEqual(
        Object.fromEntries(TOPIC_SPECS.map((t) => [t.name, t.partitions])),
      );
    } finally {
      await admin.disconnect();
    }
  });

  it('ensureTopics leaves existing topics alone and reports them', async () => {
    const result = await ensureTopics(kafka, [{ name: topic, partitions: 1 }]);
    expect(result).toEqual({ created: [], existing: [topic], mismatched: [] });
  });

  it('produces and consumes a message', async () => {
    await produceOne(kafka, topic, 'before-restart');
    expect(await consume(kafka, topic, 1)).toEqual(['before-restart']);
  });

  it('stops and starts Kafka on the same data', async () => {
    const port = Number(new URL(`kafka://${kafkaBrokers()}`).port);
    await stopKafka();
    expect(await portAnswers(port)).toBe(false);

    await startKafka();
    expect(await portAnswers(port)).toBe(true);
    await produceOne(kafka, topic, 'after-restart');
    expect(await consume(kafka, topic, 2)).toEqual(['before-restart', 'after-restart']);
  });

  it('answers on Postgres in its own database', async () => {
    const client = new Client({ connectionString: databaseUrl() });
    await client.connect();
    try {
      const result = await client.query<{ db: string }>('SELECT current_database() AS db');
      expect(result.rows[0]?.db).toBe(new URL(databaseUrl()).pathname.slice(1));
    } finally {
      await client.end();
    }
  });

  it('restarts Postgres: open connections are cut, new ones work', async () => {
    const before = new Client({ connectionString: databaseUrl() });
    await before.connect();
    // pg may report the cut connection more than once; every report is expected here.
    const cut = new Promise<Error>((resolve) => before.on('error', resolve));

    await restartPostgres();

    expect(await cut).toBeInstanceOf(Error);
    await before.end().catch(() => undefined);
    const after = new Client({ connectionString: databaseUrl() });
    await after.connect();
    try {
      expect((await after.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).toBe(1);
    } finally {
      await after.end();
    }
  });
});
