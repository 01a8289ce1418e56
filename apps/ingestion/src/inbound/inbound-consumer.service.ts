import { Logger } from '@nestjs/common';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { TOPICS } from '@cx/contracts';
import { isStoreUnavailable, type InboundIntake, type InboundMessage } from '@cx/event-store';
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
const STORE_RETRY_FIRST_MS = 100;
const STORE_RETRY_MAX_MS = 1000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

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
  private joined = false;
  private fetching = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private storeDownSince: number | null = null;
  private readonly assigned = new Set<number>();
  /** Partitions sent back once to their recorded offset in this assignment. */
  private readonly seekedForGap = new Set<number>();

  constructor(
    private readonly kafka: Kafka,
    private readonly intake: InboundIntake,
    private readonly options: InboundConsumerOptions,
  ) {}

  /** Joined, and fetching its partitions (or standing by with none assigned). */
  get isConsuming(): boolean {
    return this.joined && (this.assigned.size === 0 || this.fetching);
  }

  assignedPartitions(): number[] {
    return [...this.assigned].sort((a, b) => a - b);
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
    this.leftGroup();
    if (consumer) await consumer.disconnect();
  }

  private async runConsumer(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.options.group,
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeoutMs,
      heartbeatInterval: Math.floor(this.options.sessionTimeoutMs / 10),
    });
    this.consumer = consumer;
    const current = (): boolean => this.consumer === consumer;
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      if (!current()) return;
      const partitions = event.payload.memberAssignment[TOPIC] ?? [];
      this.assigned.clear();
      this.seekedForGap.clear();
      for (const p of partitions) this.assigned.add(p);
      this.joined = true;
      this.fetching = false;
      this.logger.log(`assigned partitions [${partitions.join(', ')}] of ${TOPIC}`);
      void this.seekToRecorded(consumer, partitions);
    });
    consumer.on(consumer.events.FETCH_START, () => {
      if (current() && this.joined) this.fetching = true;
    });
    consumer.on(consumer.events.REBALANCING, () => {
      if (current()) this.leftGroup();
    });
    consumer.on(consumer.events.STOP, () => {
      if (current()) this.leftGroup();
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!current()) return;
      this.leftGroup();
      // kafkajs restarts the consumer itself after a retriable error.
      if (event.payload.restart) return;
      this.scheduleRestart(consumer, event.payload.error.message);
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  private leftGroup(): void {
    this.joined = false;
    this.fetching = false;
    this.assigned.clear();
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
      const recorded = await this.intake.readOffsets(TOPIC, partitions);
      const log = await this.logBounds();
      for (const partition of partitions) {
        const bounds = log.get(partition);
        const offset = recorded.get(partition);
        if (offset === undefined) {
          // Never consumed into this database: from the start of the log, whatever Kafka says.
          if (bounds !== undefined) consumer.seek({ topic: TOPIC, partition, offset: bounds.low });
          continue;
        }
        if (bounds !== undefined && BigInt(offset) > BigInt(bounds.high)) {
          // The log ends before the recorded offset: the topic or the cluster was replaced.
          if (await this.intake.rewindOffset(TOPIC, partition, offset, bounds.low)) {
            this.logger.warn(
              `${TOPIC}[${partition}] ends at ${bounds.high} but the database resumes at ${offset}: the log was replaced, reading it from ${bounds.low}`,
            );
            consumer.seek({ topic: TOPIC, partition, offset: bounds.low });
            continue;
          }
        }
        consumer.seek({ topic: TOPIC, partition, offset });
      }
    } catch (error) {
      // The gap check of every chunk still guards the recorded offsets.
      this.logger.warn(`could not seek to the recorded offsets: ${reasonOf(error)}`);
    }
  }

  private async logBounds(): Promise<Map<number, { low: string; high: string }>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(TOPIC);
      return new Map(offsets.map((o) => [o.partition, { low: o.low, high: o.high }]));
    } finally {
      await admin.disconnect();
    }
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { partition } = batch;
    for (let i = 0; i < batch.messages.length; i += this.options.chunkSize) {
      if (!payload.isRunning() || payload.isStale()) return;
      const chunk = batch.messages.slice(i, i + this.options.chunkSize);
      const started = performance.now();
      const applied = await this.withStore(payload, () =>
        this.intake.applyPartitionBatch(batch.topic, partition, chunk.map(inboundMessage), {
          acceptGap: this.seekedForGap.has(partition),
          now: this.options.now?.() ?? new Date(),
        }),
      );
      if (applied === null) return;
      const result = applied.value;
      if (result.kind === 'gap') {
        this.logger.warn(
          `${batch.topic}[${partition}] fetched from ${chunk[0]?.offset ?? '?'} but the database resumes at ${result.recordedOffset}: seeking back`,
        );
        this.seekedForGap.add(partition);
        this.consumer?.seek({ topic: batch.topic, partition, offset: result.recordedOffset });
        return;
      }
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

  /** A database step that waits out Postgres outages, heartbeating; null when the batch is void. */
  private async withStore<T>(
    payload: EachBatchPayload,
    step: () => Promise<T>,
  ): Promise<{ value: T } | null> {
    let pause = STORE_RETRY_FIRST_MS;
    for (;;) {
      try {
        const value = await step();
        if (this.storeDownSince !== null) {
          const seconds = ((Date.now() - this.storeDownSince) / 1000).toFixed(1);
          this.storeDownSince = null;
          this.logger.log(`Postgres answers again after ${seconds} s; consuming`);
        }
        return { value };
      } catch (error) {
        if (!isStoreUnavailable(error)) throw error;
        if (this.storeDownSince === null) {
          this.storeDownSince = Date.now();
          this.logger.warn(
            `Postgres unreachable (${reasonOf(error)}); retrying the chunk in flight`,
          );
        }
      }
      if (!payload.isRunning() || payload.isStale()) return null;
      await sleep(pause);
      pause = Math.min(pause * 2, STORE_RETRY_MAX_MS);
      if (!payload.isRunning() || payload.isStale()) return null;
      await payload.heartbeat();
    }
  }
}
