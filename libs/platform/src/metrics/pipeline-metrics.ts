import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { AppendObserver, AppendResult } from '@cx/event-store';
import type { RelayObserver } from '@cx/messaging';
import { readWithin, SCRAPE_READ_TIMEOUT_MS, sharedReading } from './service-registry';

/** Touchpoints per append: one request, or one batch of up to 1,000. */
export const APPEND_BATCH_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000] as const;
export const STORAGE_DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
] as const;

/** Appends to the event store: sizes, durations and results. */
export class AppendMetrics implements AppendObserver {
  private readonly batchSize: Histogram;
  private readonly duration: Histogram;
  private readonly touchpoints: Counter<'status'>;

  constructor(registry: Registry) {
    this.batchSize = new Histogram({
      name: 'cx_event_store_append_batch_size',
      help: 'Touchpoints per append to the event store (one request or one batch).',
      buckets: [...APPEND_BATCH_BUCKETS],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'cx_event_store_append_duration_seconds',
      help: 'Time of an append to the event store up to its commit, the wait for a shared commit included.',
      buckets: [...STORAGE_DURATION_BUCKETS],
      registers: [registry],
    });
    this.touchpoints = new Counter({
      name: 'cx_event_store_appended_touchpoints_total',
      help: 'Touchpoints appended by status: accepted (stored), duplicate (stored before), conflict (refused).',
      labelNames: ['status'],
      registers: [registry],
    });
    // Zero from the start, so a rate over a quiet service is 0 rather than absent.
    for (const status of ['accepted', 'duplicate', 'conflict']) this.touchpoints.inc({ status }, 0);
  }

  appended(results: readonly AppendResult[], seconds: number): void {
    this.batchSize.observe(results.length);
    this.duration.observe(seconds);
    let accepted = 0;
    let duplicate = 0;
    let conflict = 0;
    for (const { status } of results) {
      if (status === 'accepted') accepted += 1;
      else if (status === 'duplicate') duplicate += 1;
      else conflict += 1;
    }
    if (accepted > 0) this.touchpoints.inc({ status: 'accepted' }, accepted);
    if (duplicate > 0) this.touchpoints.inc({ status: 'duplicate' }, duplicate);
    if (conflict > 0) this.touchpoints.inc({ status: 'conflict' }, conflict);
  }
}

/** A relay's backlog, read at scrape time. */
export interface RelayBacklog {
  /** Positions committed but not yet published (holes included: an upper bound). */
  readonly behind: number;
  readonly oldestUnpublishedAgeSeconds?: number | null;
}

/**
 * Outbox relays to Kafka: events published and the time to publish a batch, counted as they go;
 * the backlog (relay lag) read from the store at scrape time, never on the publishing path.
 */
export class RelayMetrics implements RelayObserver {
  private readonly publishedEvents: Counter<'topic'>;
  private readonly publishDuration: Histogram<'topic'>;
  private readonly backlogs = new Map<string, () => Promise<RelayBacklog>>();

  constructor(registry: Registry) {
    this.publishedEvents = new Counter({
      name: 'cx_relay_published_events_total',
      help: 'Events the outbox relay published to Kafka and the broker confirmed, by topic.',
      labelNames: ['topic'],
      registers: [registry],
    });
    this.publishDuration = new Histogram({
      name: 'cx_relay_publish_duration_seconds',
      help: 'Time from sending a relay batch to Kafka to the broker confirming all of it.',
      labelNames: ['topic'],
      buckets: [...STORAGE_DURATION_BUCKETS],
      registers: [registry],
    });
    const backlogs = this.backlogs;
    const read = sharedReading(() => readBacklogs(backlogs));
    new Gauge({
      name: 'cx_relay_lag_events',
      help: 'Events committed to the outbox but not yet published, by topic (an upper bound: counts positions).',
      labelNames: ['topic'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const [topic, backlog] of await read()) this.set({ topic }, backlog.behind);
      },
    });
    new Gauge({
      name: 'cx_relay_oldest_unpublished_age_seconds',
      help: 'Age of the oldest event not yet published, by topic; absent when all are published.',
      labelNames: ['topic'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const [topic, backlog] of await read()) {
          const age = backlog.oldestUnpublishedAgeSeconds;
          if (age !== null && age !== undefined) this.set({ topic }, age);
        }
      },
    });
  }

  /** Reads the backlog of the relay to `topic` at every scrape. */
  watchBacklog(topic: string, read: () => Promise<RelayBacklog>): void {
    this.backlogs.set(topic, read);
    this.publishedEvents.inc({ topic }, 0);
  }

  published(topic: string, events: number, seconds: number): void {
    this.publishedEvents.inc({ topic }, events);
    this.publishDuration.observe({ topic }, seconds);
  }
}

async function readBacklogs(
  backlogs: ReadonlyMap<string, () => Promise<RelayBacklog>>,
): Promise<[string, RelayBacklog][]> {
  const read = await Promise.all(
    [...backlogs].map(
      async ([topic, backlog]) =>
        [topic, await readWithin(SCRAPE_READ_TIMEOUT_MS, backlog)] as const,
    ),
  );
  return read.flatMap(([topic, backlog]) => (backlog === null ? [] : [[topic, backlog]]));
}
