import { Logger } from '@nestjs/common';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { TOPICS } from '@cx/contracts';
import type { InboundIntake, InboundMessage } from '@cx/event-store';
import {
  GroupAssignment,
  groupMemberConfig,
  RecordedOffsetChunks,
  seekToRecordedOffsets,
  StoreOutage,
} from '@cx/messaging';
import type { InboundObserver } from './inbound-metrics';

export interface InboundConsumerOptions {
  readonly group: string;
  /** Messages per transaction. */
  readonly chunkSize: number;
  readonly sessionTimeoutMs: number;
  readonly observer?: InboundObserver;
  readonly now?: () => Date;
}

const TOPIC = TOPICS.touchpointsInbound;
/** Pause before replacing a consumer that stopped for good. */
const RESTART_DELAY_MS = 2000;

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Header values as text, the first of a repeated one: what a dead letter keeps and sends on. */
export function headersAsText(headers: IHeaders | undefined): Record<string, string> {
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined) continue;
    text[name] = typeof first === 'string' ? first : first.toString('utf8');
  }
  return text;
}

function inboundMessage(message: KafkaMessage): InboundMessage {
  return {
    offset: message.offset,
    key: message.key ?? null,
    value: message.value,
    headers: headersAsText(message.headers),
  };
}

/**
 * Consumes `cx.touchpoints.inbound.v1` into the event store, exactly once: each chunk of a
 * partition is validated, appended and dead-lettered in one transaction that also records where
 * the partition resumes (`InboundIntake`). On every assignment the consumer seeks to the offsets
 * the database recorded (the log start when there are none, or when the log no longer reaches
 * them); Kafka's committed offset only follows, for lag tooling.
 *
 * While Postgres is unreachable a chunk waits and tries again, heartbeating, so the member keeps
 * its partitions. A consumer that kafkajs gives up on is replaced after a pause.
 */
export class InboundConsumer {
  private readonly logger = new Logger(InboundConsumer.name);
  private consumer: Consumer | null = null;
  private running = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly assignment = new GroupAssignment(TOPIC, this.logger);
  private readonly store = new StoreOutage(this.logger, {
    unreachable: (reason) => `Postgres unreachable (${reason}); retrying the chunk in flight`,
    answered: (seconds) => `Postgres answers again after ${seconds} s; consuming`,
  });
  private readonly chunks = new RecordedOffsetChunks(
    this.assignment,
    this.store,
    () => this.consumer,
  );

  constructor(
    private readonly kafka: Kafka,
    private readonly intake: InboundIntake,
    private readonly options: InboundConsumerOptions,
  ) {}

  /** Joined, and fetching its partitions (or standing by with none assigned). */
  get isConsuming(): boolean {
    return this.assignment.isConsuming;
  }

  assignedPartitions(): number[] {
    return this.assignment.partitions();
  }

  /** Joins in the background: the service starts while Kafka is down, and is not ready meanwhile. */
  start(): Promise<void> {
    this.running = true;
    this.runConsumer().catch((error: unknown) => {
      // Null once stopped: nothing to restart then.
      if (this.consumer !== null) this.scheduleRestart(this.consumer, reasonOf(error));
    });
    return Promise.resolve();
  }

  /** Lets the chunk in progress finish its transaction, then leaves the group. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.restartTimer !== null) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const consumer = this.consumer;
    this.consumer = null;
    this.assignment.leave();
    if (consumer) await consumer.disconnect();
  }

  private async runConsumer(): Promise<void> {
    const consumer = this.kafka.consumer(
      groupMemberConfig(this.options.group, this.options.sessionTimeoutMs),
    );
    this.consumer = consumer;
    this.assignment.follow(consumer, {
      isCurrent: () => this.consumer === consumer,
      onJoin: (partitions) => void this.seekToRecorded(consumer, partitions),
      onCrash: (event) => {
        // kafkajs restarts the consumer itself after a retriable error.
        if (event.payload.restart) return;
        this.scheduleRestart(consumer, event.payload.error.message);
      },
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  private scheduleRestart(dead: Consumer, reason: string): void {
    if (!this.running || this.restartTimer !== null) return;
    this.logger.error(
      `inbound consumer stopped (${reason}); starting a new one in ${RESTART_DELAY_MS} ms`,
    );
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void (async () => {
        await dead.disconnect().catch(() => undefined);
        if (!this.running || this.consumer !== dead) return;
        await this.runConsumer().catch((error: unknown) =>
          this.scheduleRestart(this.consumer ?? dead, reasonOf(error)),
        );
      })();
    }, RESTART_DELAY_MS);
  }

  private async seekToRecorded(consumer: Consumer, partitions: readonly number[]): Promise<void> {
    try {
      await seekToRecordedOffsets(this.kafka, consumer, {
        topic: TOPIC,
        partitions,
        offsets: this.intake,
        // Never consumed into this database: from the start of the log, whatever Kafka says.
        unrecorded: 'log-start',
        logger: this.logger,
      });
    } catch (error) {
      // The gap check of every chunk still guards the recorded offsets.
      this.logger.warn(`could not seek to the recorded offsets: ${reasonOf(error)}`);
    }
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { partition } = batch;
    for (let i = 0; i < batch.messages.length; i += this.options.chunkSize) {
      if (!payload.isRunning() || payload.isStale()) return;
      const chunk = batch.messages.slice(i, i + this.options.chunkSize);
      const started = performance.now();
      const result = await this.chunks.apply(payload, chunk[0]?.offset, (acceptGap) =>
        this.intake.applyPartitionBatch(batch.topic, partition, chunk.map(inboundMessage), {
          acceptGap,
          now: this.options.now?.() ?? new Date(),
        }),
      );
      if (result === null) return;
      const dead = [...result.deadLettered.values()].reduce((a, b) => a + b, 0);
      if (dead > 0) {
        const codes = [...result.deadLettered].map(([code, n]) => `${code} ${n}`).join(', ');
        this.logger.warn(
          `${dead} message(s) of ${batch.topic}[${partition}] dead-lettered (${codes})`,
        );
      }
      this.options.observer?.committed({
        consumed: chunk.length - result.alreadyApplied,
        appended: result.appended,
        deadLettered: result.deadLettered,
        seconds: (performance.now() - started) / 1000,
      });
      const last = chunk[chunk.length - 1];
      if (last !== undefined) payload.resolveOffset(last.offset);
      await payload.heartbeat();
    }
  }
}
