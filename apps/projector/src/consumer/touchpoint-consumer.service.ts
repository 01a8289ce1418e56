import { Logger } from '@nestjs/common';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { TOPICS } from '@cx/contracts';
import { parseTouchpointMessage, traceCarrierOfHeaders, tracingActive } from '@cx/contracts';
import {
  clusterPartitions,
  ConfirmedSender,
  createProducer,
  GroupAssignment,
  groupMemberConfig,
  RecordedOffsetChunks,
  seekToRecordedOffsets,
  StoreOutage,
} from '@cx/messaging';
import type { ConsumedMessage, ProjectionEngine } from '@cx/read-models';
import { BackgroundOffsetCommits } from './background-offset-commits';
import { removeStaleMembers } from './stale-members';

export interface ConsumerOptions {
  readonly group: string;
  readonly chunkSize: number;
  readonly concurrency: number;
  readonly sessionTimeoutMs: number;
  /**
   * The Kafka client id of `kafka` when it names this instance (`projectorClientId`): members of
   * the group with it are left over from earlier runs and are removed before joining.
   */
  readonly instanceClientId?: string | null;
  /** Called after a commit that wrote derived events. */
  readonly onInsights?: () => void;
  /** Longest pause between two restarts of a crashed consumer (ms); default 10 s. */
  readonly maxRestartDelayMs?: number;
  /** Told what each batch applied and dead-lettered (metrics). */
  readonly observer?: ConsumerObserver;
}

/** What the consumer reports as it goes; called on the hot path, so it must only count. */
export interface ConsumerObserver {
  /** A chunk of a partition's batch committed: `seconds` from its database step's start. */
  applied(topic: string, chunk: AppliedChunk): void;
  /** Messages of `topic` that failed validation and went to the dead-letter topic. */
  deadLettered(topic: string, messages: number): void;
}

export interface AppliedChunk {
  readonly messages: number;
  /** Touchpoints new to the read models (redeliveries and dead letters excluded). */
  readonly newTouchpoints: number;
  readonly seconds: number;
}

/** First pause before restarting a crashed consumer; it doubles up to `maxRestartDelayMs`. */
const FIRST_RESTART_DELAY_MS = 1000;

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
 *
 * Faults: while Postgres is unreachable a batch waits and tries its database step again, sending
 * heartbeats, so the member keeps its partitions and goes on as soon as Postgres answers. Any other
 * error goes to kafkajs, which retries the batch and, past its retries, crashes the consumer (as
 * it does when Kafka stays unreachable); every crash is restarted here, with a pause that doubles
 * while restarts keep failing. Ready (`isConsuming`) only while joined and fetching.
 */
export class TouchpointConsumer {
  private readonly logger = new Logger(TouchpointConsumer.name);
  private consumer: Consumer | null = null;
  private deadLetters: Producer | null = null;
  private deadLetterSender: ConfirmedSender | null = null;
  /** Only for lag tooling: the database's offset is the one the projector trusts. */
  private readonly lagCommits = new BackgroundOffsetCommits(
    async (offsets) => {
      await this.consumer?.commitOffsets([...offsets]);
    },
    (error) => this.logger.debug(`offset commit to Kafka failed: ${String(error)}`),
  );
  /** Between `start` and `stop`. */
  private running = false;
  private restartTimer: NodeJS.Timeout | null = null;
  /** Restarts since the last successful join; sets the next pause. */
  private restarts = 0;
  private readonly assignment = new GroupAssignment(TOPICS.touchpoints, this.logger);
  private readonly store = new StoreOutage(this.logger, {
    unreachable: (reason) =>
      `Postgres unreachable (${reason}); keeping the partitions and retrying the batches in flight`,
    answered: (seconds) => `Postgres answers again after ${seconds} s; applying`,
  });
  private readonly chunks = new RecordedOffsetChunks(
    this.assignment,
    this.store,
    () => this.consumer,
  );
  private readonly progress = new Map<number, PartitionProgress>();

  constructor(
    private readonly kafka: Kafka,
    private readonly engine: ProjectionEngine,
    private readonly options: ConsumerOptions,
  ) {}

  get isJoined(): boolean {
    return this.assignment.isJoined;
  }

  /** Joined, and fetching its partitions (or standing by with none assigned). */
  get isConsuming(): boolean {
    return this.assignment.isConsuming;
  }

  assignedPartitions(): number[] {
    return this.assignment.partitions();
  }

  partitionProgress(): PartitionProgress[] {
    return [...this.progress.values()].filter((p) => this.assignment.holds(p.partition));
  }

  async start(): Promise<void> {
    this.running = true;
    const deadLetters = createProducer(this.kafka, { idempotent: true, maxInFlightRequests: 1 });
    await deadLetters.connect();
    this.deadLetters = deadLetters;
    this.deadLetterSender = new ConfirmedSender(deadLetters, clusterPartitions(this.kafka));
    await this.removeMembersLeftBehind();
    await this.runConsumer();
  }

  /** Lets the batch in progress finish its transaction, then leaves the group. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const consumer = this.consumer;
    this.consumer = null;
    this.assignment.leaveKeepingAssignment();
    if (consumer) await consumer.disconnect();
    const deadLetters = this.deadLetters;
    this.deadLetters = null;
    this.deadLetterSender = null;
    if (deadLetters) await deadLetters.disconnect().catch(() => undefined);
  }

  /** A new kafkajs consumer, subscribed and running; it becomes the current one. */
  private async runConsumer(): Promise<void> {
    const consumer = this.kafka.consumer({
      ...groupMemberConfig(this.options.group, this.options.sessionTimeoutMs),
      // Every crash is restarted here (`scheduleRestart`), not by kafkajs: kafkajs gives up on a
      // non-retriable error, and a restart here first removes the member the crash left behind.
      retry: { restartOnFailure: () => Promise.resolve(false) },
    });
    this.consumer = consumer;
    this.assignment.follow(consumer, {
      isCurrent: () => this.consumer === consumer,
      onJoin: (partitions) => {
        this.restarts = 0;
        void this.seekToRecorded(consumer, partitions);
      },
      onCrash: (event) =>
        this.scheduleRestart(consumer, `consumer crashed: ${event.payload.error.message}`),
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

  /** Replaces a consumer that stopped for good, after a pause that doubles with each restart. */
  private scheduleRestart(dead: Consumer, reason: string): void {
    if (!this.running || this.restartTimer !== null || this.consumer !== dead) return;
    const delay = Math.min(
      FIRST_RESTART_DELAY_MS * 2 ** Math.min(this.restarts, 20),
      this.options.maxRestartDelayMs ?? 10_000,
    );
    this.restarts += 1;
    this.logger.error(`${reason}; restarting it in ${delay} ms (restart ${this.restarts})`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void this.restart(dead);
    }, delay);
  }

  private async restart(dead: Consumer): Promise<void> {
    await dead.disconnect().catch(() => undefined);
    if (!this.running || this.consumer !== dead) return;
    try {
      // The crashed member could not leave the group when Kafka was what failed.
      await this.removeMembersLeftBehind('strict');
      await this.runConsumer();
    } catch (error) {
      const failed = this.consumer;
      if (failed !== null) {
        this.scheduleRestart(failed, `consumer could not restart: ${reasonOf(error)}`);
      }
    }
  }

  /**
   * Removes the members this instance left in the group (killed, or crashed while Kafka was
   * down), so the group reassigns their partitions now rather than after their session timeout.
   * `lenient`: a failure is logged and the consumer joins anyway (it then waits for them);
   * `strict`: it is thrown, because joining would fail the same way.
   */
  private async removeMembersLeftBehind(mode: 'lenient' | 'strict' = 'lenient'): Promise<void> {
    const clientId = this.options.instanceClientId;
    if (clientId === undefined || clientId === null) return;
    try {
      const { removed } = await removeStaleMembers(this.kafka, this.options.group, clientId);
      if (removed.length > 0) {
        this.logger.log(
          `removed ${removed.length} member(s) of ${this.options.group} that ${clientId} left behind (a killed run, or a consumer that crashed while Kafka was down)`,
        );
      }
    } catch (error) {
      if (mode === 'strict') throw error;
      this.logger.warn(`could not look for members left behind: ${reasonOf(error)}`);
    }
  }

  private async seekToRecorded(consumer: Consumer, partitions: readonly number[]): Promise<void> {
    try {
      await seekToRecordedOffsets(this.kafka, consumer, {
        topic: TOPICS.touchpoints,
        partitions,
        offsets: this.engine,
        unrecorded: 'kafka-offset',
        logger: this.logger,
      });
    } catch (error) {
      // The gap check of every batch still guards the database's offsets.
      this.logger.warn(`could not seek to the recorded offsets: ${String(error)}`);
    }
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { partition } = batch;
    const offsets = await this.store.step(payload, () =>
      this.engine.readOffsets(batch.topic, [partition]),
    );
    if (offsets === null) return;
    const recordedAt = offsets.value.get(partition);
    for (let i = 0; i < batch.messages.length; i += this.options.chunkSize) {
      if (!payload.isRunning() || payload.isStale()) return;
      const chunk = batch.messages.slice(i, i + this.options.chunkSize);
      const firstTimestamp = chunk[0] === undefined ? null : Number(chunk[0].timestamp);
      this.track(partition, batch.highWatermark, firstTimestamp, null);
      const consumed = await this.parseChunk(batch.topic, partition, chunk, recordedAt);
      const applying = performance.now();
      const result = await this.chunks.apply(payload, chunk[0]?.offset, (acceptGap) =>
        this.engine.applyPartitionBatch(batch.topic, partition, consumed, { acceptGap }),
      );
      if (result === null) return;
      this.options.observer?.applied(batch.topic, {
        messages: chunk.length,
        newTouchpoints: result.newTouchpoints,
        seconds: (performance.now() - applying) / 1000,
      });
      const lastMessage = chunk[chunk.length - 1];
      if (lastMessage !== undefined) {
        payload.resolveOffset(lastMessage.offset);
        this.track(partition, batch.highWatermark, null, Number(lastMessage.timestamp));
      }
      if (result.insights > 0) this.options.onInsights?.();
      this.lagCommits.offer({ topic: batch.topic, partition, offset: result.nextOffset });
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
    // Read once per chunk: with tracing off the trace headers are not even looked at.
    const tracing = tracingActive();
    for (const message of messages) {
      const parsed = parseTouchpointMessage(message);
      const trace = tracing ? traceCarrierOfHeaders(message.headers) : null;
      if (parsed.ok) {
        consumed.push({
          offset: message.offset,
          item: { touchpoint: parsed.touchpoint, position: parsed.event.position },
          trace,
        });
      } else {
        consumed.push({ offset: message.offset, item: null, trace });
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
    if (this.deadLetterSender === null) throw new Error('dead-letter producer not connected');
    await this.deadLetterSender.send(
      TOPICS.touchpointsDeadLetter,
      poison.map(({ message, reason }) => {
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
            cx_deadletter_code: 'invalid_event',
            cx_original_topic: topic,
            cx_original_partition: String(partition),
            cx_original_offset: message.offset,
          },
        };
      }),
    );
    this.options.observer?.deadLettered(topic, poison.length);
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
