import type { Logger } from '@nestjs/common';
import type { Consumer, Kafka } from 'kafkajs';

/** Where a consumer group resumes each partition, as the database recorded it. */
export interface RecordedOffsets {
  /** Absent: the partition was never consumed into this database. */
  readOffsets(topic: string, partitions: readonly number[]): Promise<Map<number, string>>;
  /** Compare-and-set: moves `from` back to `to`; false when the offset moved meanwhile. */
  rewindOffset(topic: string, partition: number, from: string, to: string): Promise<boolean>;
}

export interface SeekToRecordedOptions {
  readonly topic: string;
  readonly partitions: readonly number[];
  readonly offsets: RecordedOffsets;
  /**
   * Where a partition with no recorded offset starts: the start of the log whatever Kafka says,
   * or Kafka's own committed offset (no seek).
   */
  readonly unrecorded: 'log-start' | 'kafka-offset';
  /** The owning consumer's logger, so log lines keep its context. */
  readonly logger: Logger;
}

/**
 * Seeks each assigned partition to the offset the database recorded. When the log ends before
 * that offset, the topic or the cluster was replaced and the recorded offset names a message of
 * the old log: it is rewound (compare-and-set) and the new log read from its start. Errors are
 * thrown: the caller logs them, and the gap check of every chunk still guards the offsets.
 */
export async function seekToRecordedOffsets(
  kafka: Kafka,
  consumer: Consumer,
  options: SeekToRecordedOptions,
): Promise<void> {
  const { topic, offsets, logger } = options;
  const recorded = await offsets.readOffsets(topic, options.partitions);
  const log = await logBounds(kafka, topic);
  for (const partition of options.partitions) {
    const bounds = log.get(partition);
    const offset = recorded.get(partition);
    if (offset === undefined) {
      if (options.unrecorded === 'log-start' && bounds !== undefined) {
        consumer.seek({ topic, partition, offset: bounds.low });
      }
      continue;
    }
    if (bounds !== undefined && BigInt(offset) > BigInt(bounds.high)) {
      if (await offsets.rewindOffset(topic, partition, offset, bounds.low)) {
        logger.warn(
          `${topic}[${partition}] ends at ${bounds.high} but the database resumes at ${offset}: the log was replaced, reading it from ${bounds.low}`,
        );
        consumer.seek({ topic, partition, offset: bounds.low });
        continue;
      }
    }
    consumer.seek({ topic, partition, offset });
  }
}

/** The first and the next offset of each partition of `topic`. */
async function logBounds(
  kafka: Kafka,
  topic: string,
): Promise<Map<number, { low: string; high: string }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, { low: o.low, high: o.high }]));
  } finally {
    await admin.disconnect();
  }
}
