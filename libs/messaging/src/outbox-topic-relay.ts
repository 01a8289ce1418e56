import type { Logger } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import {
  PositionOutboxRelay,
  type PositionOutboxRelayState,
  type PositionOutboxSource,
  type RelayObserver,
} from './position-outbox-relay';

export interface OutboxTopicRelayDeps {
  readonly pool: Pool;
  readonly kafka: Kafka;
  readonly batchSize?: number;
  readonly pollIntervalMs?: number;
  readonly maxBackoffMs?: number;
  /** Counts what the relay publishes (metrics). */
  readonly observer?: RelayObserver;
}

export interface OutboxTopicRelayStatus {
  readonly leader: boolean;
  readonly lastPublishedPosition: number;
  readonly headPosition: number;
  readonly behind: number;
}

/**
 * A projector outbox published to its topic by a `PositionOutboxRelay`, with the batch size, poll
 * interval and back-off every such relay starts from. Subclasses name the source and the status.
 */
export abstract class OutboxTopicRelay<Row extends { readonly position: string }> {
  protected readonly relay: PositionOutboxRelay<Row>;

  protected constructor(
    deps: OutboxTopicRelayDeps,
    source: PositionOutboxSource<Row>,
    logger: Logger,
    label: string,
  ) {
    this.relay = new PositionOutboxRelay<Row>({
      pool: deps.pool,
      kafka: deps.kafka,
      source,
      batchSize: deps.batchSize ?? 500,
      pollIntervalMs: deps.pollIntervalMs ?? 1000,
      maxBackoffMs: deps.maxBackoffMs ?? 5000,
      logger,
      label,
      observer: deps.observer,
    });
  }

  start(): void {
    this.relay.start();
  }

  stop(): Promise<void> {
    return this.relay.stop();
  }

  /** Called after a local commit wrote to the outbox: publish now rather than at the next poll. */
  wakeUp(): void {
    this.relay.wakeUp();
  }

  /** What every such relay reports of its state. */
  protected static statusOf(state: PositionOutboxRelayState): OutboxTopicRelayStatus {
    return {
      leader: state.active,
      lastPublishedPosition: state.lastPublishedPosition,
      headPosition: state.headPosition,
      behind: state.behind,
    };
  }
}
