import { Kafka, logLevel, Partitioners, type IHeaders, type Message, type Producer } from 'kafkajs';
import type { Pool } from 'pg';
import { TOPICS, TOUCHPOINT_SUBMITTED_TYPE } from '@cx/contracts';
import { kafkaBrokers } from '../../support/stack';

/** Every message a test sends carries its run id here, so it finds its own on shared topics. */
export const RUN_HEADER = 'x-cx-test-run';
/** What each message of a test is, to match it with its dead letter. */
export const CASE_HEADER = 'x-cx-test-case';

export function testKafka(clientId: string): Kafka {
  return new Kafka({ clientId, brokers: kafkaBrokers().split(','), logLevel: logLevel.NOTHING });
}

export async function connectedProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  return producer;
}

/** A valid touchpoint body, as POST /v1/touchpoints takes it. */
export function touchpointBody(
  touchpointId: string,
  customerId: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    touchpointId,
    customerId,
    occurredAt: new Date(Date.UTC(2025, 5, 1, 12)).toISOString(),
    channel: 'chat',
    interaction: 'survey_response',
    survey: { csat: 4 },
    sentiment: 0.4,
    ...extra,
  };
}

/** Binary-mode CloudEvents headers of a submitted touchpoint. */
export function cloudEventHeaders(touchpointId: string): Record<string, string> {
  return {
    ce_specversion: '1.0',
    ce_type: TOUCHPOINT_SUBMITTED_TYPE,
    ce_source: '//crm.example/exports',
    ce_id: touchpointId,
    'content-type': 'application/json',
  };
}

/** A keyed, plain-JSON inbound message of a touchpoint body. */
export function plainMessage(body: Record<string, unknown>, headers: IHeaders = {}): Message {
  return {
    key: String(body.customerId),
    value: JSON.stringify(body),
    headers,
  };
}

/** The end offset of each partition of the inbound topic now. */
export async function inboundEndOffsets(kafka: Kafka): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(TOPICS.touchpointsInbound);
    return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

export interface DeadLetterRow {
  id: string;
  code: string;
  reason: string;
  source_topic: string;
  source_partition: number;
  source_offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  touchpoint_id: string | null;
}

export async function deadLettersOfRun(pool: Pool, run: string): Promise<DeadLetterRow[]> {
  const { rows } = await pool.query<DeadLetterRow>(
    `SELECT id, code, reason, source_topic, source_partition, source_offset, key, value, headers,
            touchpoint_id
       FROM dead_letters WHERE headers ->> $1 = $2 ORDER BY id`,
    [RUN_HEADER, run],
  );
  return rows;
}

/** How many times each touchpointId is stored. */
export async function storedCounts(
  pool: Pool,
  ids: readonly string[],
): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ touchpoint_id: string; n: string }>(
    `SELECT touchpoint_id, count(*) AS n FROM touchpoint_events
      WHERE touchpoint_id = ANY($1::text[]) GROUP BY touchpoint_id`,
    [ids],
  );
  return new Map(rows.map((r) => [r.touchpoint_id, Number(r.n)]));
}

export interface TopicDeadLetter {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

/** How a dead letter on the topic is matched with its row: id and origin (other databases may share the topic). */
export function deadLetterIdentity(id: string, partition: number | string, offset: string): string {
  return `${id}@${partition}:${offset}`;
}

/**
 * Reads the dead-letter topic from its start until every dead letter named in `expected`
 * (`deadLetterIdentity`) has arrived; the topic is at least once, and shared, so copies and
 * others' dead letters are passed over.
 */
export async function readDeadLetterTopic(
  kafka: Kafka,
  run: string,
  expected: ReadonlySet<string>,
  timeoutMs = 60_000,
): Promise<Map<string, TopicDeadLetter>> {
  const consumer = kafka.consumer({ groupId: `inbound-e2e-dlq-${run}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPICS.touchpointsDeadLetter, fromBeginning: true });
  const found = new Map<string, TopicDeadLetter>();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`only ${found.size} of ${expected.size} dead letters on the topic`)),
        timeoutMs,
      );
      if (expected.size === 0) {
        clearTimeout(timer);
        resolve();
        return;
      }
      void consumer.run({
        eachMessage: ({ message }) => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(message.headers ?? {})) {
            const first = Array.isArray(value) ? value[0] : value;
            if (first !== undefined) headers[name] = first.toString();
          }
          const identity = deadLetterIdentity(
            headers.cx_deadletter_id ?? '',
            headers.cx_original_partition ?? '',
            headers.cx_original_offset ?? '',
          );
          if (headers[RUN_HEADER] === run && expected.has(identity)) {
            found.set(identity, { key: message.key, value: message.value, headers });
            if (found.size >= expected.size) {
              clearTimeout(timer);
              resolve();
            }
          }
          return Promise.resolve();
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return found;
}
