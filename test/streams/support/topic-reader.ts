import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { ObservedMessage } from '../../../libs/contracts/src/asyncapi-contract.test-support';

export interface ReadMessage extends ObservedMessage {
  readonly partition: number;
  readonly offset: string;
}

const IDLE_MS = 15_000;

function text(value: Buffer | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? value : value.toString('utf8');
}

/**
 * Every message of `topic` up to its current end whose key passes `keep`, read from the start
 * by a plain kafkajs consumer of a group of its own, as a data team's client would read it.
 */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  keep: (key: string | null) => boolean,
): Promise<ReadMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const pending = new Map(
    ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high)]),
  );
  const found: ReadMessage[] = [];
  if (pending.size === 0) return found;
  const consumer = kafka.consumer({
    groupId: `streams-reader-${randomBytes(4).toString('hex')}`,
    maxBytes: 16 * 1024 * 1024,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      // A partition whose last offset never arrives (compacted away, a control record) must
      // not hang the read: it ends after a quiet spell too.
      let idle = setTimeout(resolve, IDLE_MS);
      void consumer.run({
        eachMessage: ({ partition, message }) => {
          clearTimeout(idle);
          idle = setTimeout(resolve, IDLE_MS);
          const key = text(message.key);
          if (keep(key)) {
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(message.headers ?? {})) {
              const first = Array.isArray(value) ? value[0] : value;
              const decoded = text(first);
              if (decoded !== null) headers[name] = decoded;
            }
            found.push({
              key,
              headers,
              value: text(message.value),
              partition,
              offset: message.offset,
            });
          }
          const high = pending.get(partition);
          if (high !== undefined && BigInt(message.offset) + 1n >= high) pending.delete(partition);
          if (pending.size === 0) {
            clearTimeout(idle);
            resolve();
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
