import { Logger } from '@nestjs/common';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { TOPICS } from '@cx/contracts';
import { parseTouchpointMessage } from '@cx/contracts';
import { createProducer } from '@cx/messaging';
import type { ConsumedMessage, ProjectionEngine } from '@cx/read-models';

export interface ConsumerOptions {
  readonly group: string;
  readonly chunkSize: number;
  readonly concurrency: number;
  readonly sessionTimeoutMs: number;
  /** Called after a commit that wrote derived events. */
  readonly onInsights?: () => void;
}

export interface PartitionProgress {
  readonly partition: number;
  /** Last high watermark seen by a fetch of this instance. */
  readonly highWatermark: string;
  /** Kafka timestamp (ms) of the oldest message fetched but not yet applied, if any. */
  readonly inFlightSince: number | null;
  /** Kafka timestamp (ms) of the last applied message. */
  readonly lastAppliedAt: number | null;
}

const DEAD_LETTER_REASON = 'cx_deadletter_reason';

function text(value: Buffer | string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'string' ? value : value.toString('utf8');
}

/**
 * The thin consumer: kafkajs batches in, parsed touchpoints handed to the projection engine, which
 * applies them and records the offset in one transaction. Kafka's own committed offset only follows
 * (for lag tooling); on every assignment the consumer seeks to the offsets the database recorded.
 */
export class TouchpointConsumer {
  private readonly logger = new Logger(TouchpointConsumer.name);
  private consumer: Consumer | null = null;
  private deadLetters: Producer | null = null;
  private joined = false;
  private readonly assigned = new Set<number>();
  private readonly progress = new Map<number, PartitionProgress>();
  /** Partitions already sent back once to their recorded offset in this assignment. */
  private readonly seekedForGap = new Set<number>();

  constructor(
    private readonly kafka: Kafka,
    private readonly engine: ProjectionEngine,
    private readonly options: ConsumerOptions,
  ) {}

  get isJoined(): boolean {
    return this.joined;
  }

  assignedPartitions(): number[] {
    return [...this.assigned].sort((a, b) => a - b);
  }

  partitionProgress(): PartitionProgress[] {
    return [...this.progress.values()].filter((p) => this.assigned.has(p.partition));
  }

  async start(): Promise<void> {
    const deadLetters = createProducer(this.kafka, { idempotent: true, maxInFlightRequests: 1 });
    await deadLetters.connect();
    this.deadLetters = deadLetters;
    const consumer = this.kafka.consumer({
      groupId: this.options.group,
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: Math.floor(this.options.sessionTimeoutMs / 10),
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const partitions = event.payload.memberAssignment[TOPICS.touchpoints] ?? [];
      this.assigned.clear();
      this.seekedForGap.clear();
      for (const p of partitions) this.assigned.add(p);
      this.joined = true;
      this.logger.log(`assigned partitions [${partitions.join(', ')}] of ${TOPICS.touchpoints}`);
      void this.seekToRecorded(consumer, partitions);
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.joined = false;
      this.logger.error(`consumer crashed: ${event.payload.error.message}`);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPICS.touchpoints], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.concurrency,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  /** Lets the batch in progress finish its transaction, then leaves the group. */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    this.joined = false;
    if (consumer) await consumer.disconnect();
    const deadLetters = this.deadLetters;
    this.deadLetters = null;
    if (deadLetters) await deadLetters.disconnect().catch(() => undefined);
  }

  private async seekToRecorded(consumer: Consumer, partitions: readonly number[]): Promise<void> {
    try {
      const recorded = await this.engine.readOffsets(TOPICS.touchpoints, partitions);
      const log = await this.logBounds();
      for (const [partition, offset] of recorded) {
        const bounds = log.get(partition);
        if (bounds !== undefined && BigInt(offset) > BigInt(bounds.high)) {
          // The log ends before the recorded offset: the topic or the cluster was replaced, and
          // the recorded offsets name messages of the old log. Read the new one from its start.
          if (await this.engine.rewindOffset(TOPICS.touchpoints, partition, offset, bounds.low)) {
            this.logger.warn(
              `${TOPICS.touchpoints}[${partition}] ends at ${bounds.high} but the database resumes at ${offset}: the log was replaced, reading it from ${bounds.low}`,
            );
            consumer.seek({ topic: TOPICS.touchpoints, partition, offset: bounds.low });
            continue;
          }
        }
        consumer.seek({ topic: TOPICS.touchpoints, partition, offset });
      }
    } catch (error) {
      // The gap check of every batch still guards the database's offsets.
      this.logger.warn(`could not seek to the recorded offsets: ${String(error)}`);
    }
  }

  /** The first and the next offset of each partition of the touchpoints topic. */
  private async logBounds(): Promise<Map<number, { low: string; high: string }>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(TOPICS.touchpoints);
      return new Map(offsets.map((o) => [o.partition, { low: o.low, high: o.high }]));
    } finally {
      await admin.disconnect();
    }
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { partition } = batch;
    const recordedAt = (await this.engine.readOffsets(batch.topic, [partition])).get(partition);
    for (let i = 0; i < batch.messages.length; i += this.options.chunkSize) {
      if (!payload.isRunning() || payload.isStale()) return;
      const chunk = batch.messages.slice(i, i + this.options.chunkSize);
      const firstTimestamp = chunk[0] === undefined ? null : Number(chunk[0].timestamp);
      this.track(partition, batch.highWatermark, firstTimestamp, null);
      const consumed = await this.parseChunk(batch.topic, partition, chunk, recordedAt);
      const result = await this.engine.applyPartitionBatch(batch.topic, partition, consumed, {
        acceptGap: this.seekedForGap.has(partition),
      });
      if (result.kind === 'gap') {
        this.logger.warn(
          `${batch.topic}[${partition}] fetched from ${chunk[0]?.offset ?? '?'} but the database resumes at ${result.recordedOffset}: seeking back`,
        );
        this.seekedForGap.add(partition);
        this.consumer?.seek({ topic: batch.topic, partition, offset: result.recordedOffset });
        return;
      }
      const lastMessage = chunk[chunk.length - 1];
      if (lastMessage !== undefined) {
        payload.resolveOffset(lastMessage.offset);
        this.track(partition, batch.highWatermark, null, Number(lastMessage.timestamp));
      }
      if (result.insights > 0) this.options.onInsights?.();
      // Only for lag tooling: the database's offset is the one the projector trusts.
      await this.consumer
        ?.commitOffsets([{ topic: batch.topic, partition, offset: result.nextOffset }])
        .catch((error: unknown) =>
          this.logger.debug?.(`offset commit to Kafka failed: ${String(error)}`),
        );
      await payload.heartbeat();
    }
  }

  private async parseChunk(
    topic: string,
    partition: number,
    messages: readonly KafkaMessage[],
    recordedOffset: string | undefined,
  ): Promise<ConsumedMessage[]> {
    const consumed: ConsumedMessage[] = [];
    const poison: { message: KafkaMessage; reason: string }[] = [];
    for (const message of messages) {
      const parsed = parseTouchpointMessage(message);
      if (parsed.ok) {
        consumed.push({
          offset: message.offset,
          item: { touchpoint: parsed.touchpoint, position: parsed.event.position },
        });
      } else {
        consumed.push({ offset: message.offset, item: null });
        // Already dead-lettered by an earlier delivery when below the recorded offset.
        if (recordedOffset === undefined || BigInt(message.offset) >= BigInt(recordedOffset)) {
          poison.push({ message, reason: parsed.reason });
        }
      }
    }
    if (poison.length > 0) await this.deadLetter(topic, partition, poison);
    return consumed;
  }

  private async deadLetter(
    topic: string,
    partition: number,
    poison: readonly { message: KafkaMessage; reason: string }[],
  ): Promise<void> {
    if (this.deadLetters === null) throw new Error('dead-letter producer not connected');
    await this.deadLetters.send({
      topic: TOPICS.touchpointsDeadLetter,
      acks: -1,
      messages: poison.map(({ message, reason }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          const first = Array.isArray(value) ? value[0] : value;
          const asText = text(first);
          if (asText !== undefined) headers[name] = asText;
        }
        return {
          key: message.key,
          value: message.value,
          headers: {
            ...headers,
            [DEAD_LETTER_REASON]: reason,
            cx_original_topic: topic,
            cx_original_partition: String(partition),
            cx_original_offset: message.offset,
          },
        };
      }),
    });
    this.logger.warn(`${poison.length} message(s) of ${topic}[${partition}] dead-lettered`);
  }

  private track(
    partition: number,
    highWatermark: string,
    inFlightSince: number | null,
    lastAppliedAt: number | null,
  ): void {
    const previous = this.progress.get(partition);
    this.progress.set(partition, {
      partition,
      highWatermark,
      inFlightSince,
      lastAppliedAt: lastAppliedAt ?? previous?.lastAppliedAt ?? null,
    });
  }
}
