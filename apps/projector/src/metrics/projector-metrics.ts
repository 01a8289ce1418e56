import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { readWithin, SCRAPE_READ_TIMEOUT_MS, sharedReading } from '@cx/platform';
import type { AppliedChunk, ConsumerObserver } from '../consumer/touchpoint-consumer.service';
import type { ProjectorLag } from '../health/projector-lag';

/** A chunk is at most `PROJECTOR_CHUNK` messages, applied in one transaction. */
const APPLY_DURATION_BUCKETS = [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The projector's figures: what it applies and dead-letters, counted as it goes, and the consumer
 * lag per partition, read from Kafka and the database at scrape time.
 */
export class ProjectorMetrics implements ConsumerObserver {
  private readonly applyDuration: Histogram<'topic'>;
  private readonly appliedEvents: Counter<'topic'>;
  private readonly consumedMessages: Counter<'topic'>;
  private readonly deadLetters: Counter<'topic'>;
  private lag: (() => Promise<ProjectorLag>) | null = null;

  constructor(registry: Registry) {
    this.applyDuration = new Histogram({
      name: 'cx_projector_apply_duration_seconds',
      help: 'Time to apply one chunk of a partition batch to the read models and record its offset.',
      labelNames: ['topic'],
      buckets: APPLY_DURATION_BUCKETS,
      registers: [registry],
    });
    this.appliedEvents = new Counter({
      name: 'cx_projector_applied_events_total',
      help: 'Touchpoints applied to the read models for the first time (redeliveries excluded).',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.consumedMessages = new Counter({
      name: 'cx_projector_consumed_messages_total',
      help: 'Messages consumed and committed with their offset, redeliveries and dead letters included.',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.deadLetters = new Counter({
      name: 'cx_projector_dead_letters_total',
      help: 'Messages that failed validation and went to the dead-letter topic, by source topic.',
      labelNames: ['topic'],
      registers: [registry],
    });
    const read = sharedReading((): Promise<ProjectorLag | null> =>
      this.lag === null ? Promise.resolve(null) : readWithin(SCRAPE_READ_TIMEOUT_MS, this.lag),
    );
    new Gauge({
      name: 'cx_projector_consumer_lag_events',
      help: "Messages behind per partition: the log's end offset minus the offset the read models recorded.",
      labelNames: ['topic', 'partition'],
      registers: [registry],
      async collect() {
        this.reset();
        const lag = await read();
        for (const p of lag?.partitions ?? []) {
          this.set({ topic: lag?.topic ?? '', partition: String(p.partition) }, p.behind);
        }
      },
    });
    new Gauge({
      name: 'cx_projector_oldest_unprocessed_age_seconds',
      help: "Upper bound of the age of the oldest unapplied event among this instance's partitions.",
      labelNames: ['topic'],
      registers: [registry],
      async collect() {
        this.reset();
        const lag = await read();
        if (lag !== null && lag.oldestUnprocessedAgeSeconds !== null) {
          this.set({ topic: lag.topic }, lag.oldestUnprocessedAgeSeconds);
        }
      },
    });
  }

  /** Where the consumer lag comes from at scrape time. */
  watchLag(read: () => Promise<ProjectorLag>): void {
    this.lag = read;
  }

  /** Zero from the start, so a rate over an idle projector is 0 rather than absent. */
  watchTopic(topic: string): void {
    for (const counter of [this.appliedEvents, this.consumedMessages, this.deadLetters]) {
      counter.inc({ topic }, 0);
    }
  }

  applied(topic: string, chunk: AppliedChunk): void {
    this.applyDuration.observe({ topic }, chunk.seconds);
    this.consumedMessages.inc({ topic }, chunk.messages);
    if (chunk.newTouchpoints > 0) this.appliedEvents.inc({ topic }, chunk.newTouchpoints);
  }

  deadLettered(topic: string, messages: number): void {
    this.deadLetters.inc({ topic }, messages);
  }
}
