import { Logger } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { TOPICS } from '@cx/contracts';
import {
  toTouchpointMessage,
  type PublicTouchpoint,
  type SealedPersonalData,
  type TraceCarrier,
} from '@cx/contracts';
import { TOUCHPOINT_EVENTS_CHANNEL, TOUCHPOINT_EVENTS_TABLE } from '@cx/event-store';
import { PositionOutboxRelay, type RelayObserver } from './position-outbox-relay';

export interface OutboxRelayDeps {
  readonly pool: Pool;
  readonly kafka: Kafka;
  /** Defaults to `cx.touchpoints.v1`. */
  readonly topic?: string;
  /** Checkpoint row name; one per relayed topic. */
  readonly name?: string;
  readonly batchSize?: number;
  /** Fallback poll when no NOTIFY arrives (ms). */
  readonly pollIntervalMs?: number;
  /** Upper bound of the back-off while Kafka or Postgres is down (ms). */
  readonly maxBackoffMs?: number;
  /** Counts what the relay publishes (metrics). */
  readonly observer?: RelayObserver;
  /** Above this many seconds of unpublished age the relay reports itself unhealthy. */
  readonly maxHealthyAgeSeconds?: number;
}

export interface OutboxRelayStatus {
  /** This instance publishes; `false`: it stands by while another instance with the name does. */
  readonly active: boolean;
  readonly lastPublishedPosition: number;
  readonly headPosition: number;
  readonly behind: number;
  readonly oldestUnpublishedAgeSeconds: number | null;
  readonly healthy: boolean;
}

interface OutboxRow {
  position: string;
  recorded_at: Date;
  payload: PublicTouchpoint;
  personal: SealedPersonalData | null;
  traceparent: string | null;
  tracestate: string | null;
}

/** The event's trace context as the event store wrote it (validated on the way in). */
function storedTrace(row: OutboxRow): TraceCarrier | null {
  if (row.traceparent === null) return null;
  return row.tracestate === null
    ? { traceparent: row.traceparent }
    : { traceparent: row.traceparent, tracestate: row.tracestate };
}

/**
 * Publishes committed touchpoints to Kafka in position order, at least once: it sends a batch,
 * then moves its checkpoint; a crash in between republishes the batch, and consumers dedupe by
 * touchpointId. It never skips an event because appends make positions visible in order (see the
 * advisory lock in `EventStore`), so `position > checkpoint` always reads a complete prefix. Kafka
 * or Postgres being down makes it back off and retry; it logs once per outage and recovers alone.
 */
export class OutboxRelay {
  private readonly relay: PositionOutboxRelay<OutboxRow>;
  private readonly maxHealthyAgeSeconds: number;

  constructor(deps: OutboxRelayDeps) {
    const topic = deps.topic ?? TOPICS.touchpoints;
    this.maxHealthyAgeSeconds = deps.maxHealthyAgeSeconds ?? 60;
    this.relay = new PositionOutboxRelay<OutboxRow>({
      pool: deps.pool,
      kafka: deps.kafka,
      source: {
        table: TOUCHPOINT_EVENTS_TABLE,
        columns: 'position, recorded_at, payload, personal, traceparent, tracestate',
        timeColumn: 'recorded_at',
        channel: TOUCHPOINT_EVENTS_CHANNEL,
        checkpointName: deps.name ?? `kafka:${topic}`,
        topic,
        toMessage: (row) =>
          toTouchpointMessage(
            {
              ...row.payload,
              position: Number(row.position),
              recordedAt: row.recorded_at.toISOString(),
              personal: row.personal,
            },
            storedTrace(row),
          ),
      },
      batchSize: deps.batchSize ?? 1000,
      pollIntervalMs: deps.pollIntervalMs ?? 1000,
      maxBackoffMs: deps.maxBackoffMs ?? 5000,
      logger: new Logger(OutboxRelay.name),
      label: `relay to ${topic}`,
      observer: deps.observer,
    });
  }

  start(): Promise<void> {
    this.relay.start();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return this.relay.stop();
  }

  async status(): Promise<OutboxRelayStatus> {
    const state = await this.relay.state();
    const age = state.oldestUnpublishedAgeSeconds;
    return {
      active: state.active,
      lastPublishedPosition: state.lastPublishedPosition,
      headPosition: state.headPosition,
      behind: state.behind,
      oldestUnpublishedAgeSeconds: age,
      healthy:
        state.running && !state.interrupted && (age === null || age <= this.maxHealthyAgeSeconds),
    };
  }
}
