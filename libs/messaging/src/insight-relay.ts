import { Logger } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { TOPICS } from '@cx/contracts';
import { toInsightMessage, type CustomerEvent } from '@cx/contracts';
import { INSIGHT_CHANNEL, INSIGHT_CHECKPOINT, INSIGHT_OUTBOX_TABLE } from '@cx/read-models';
import { PositionOutboxRelay, type RelayObserver } from './position-outbox-relay';

export interface InsightRelayDeps {
  readonly pool: Pool;
  readonly kafka: Kafka;
  readonly batchSize?: number;
  readonly pollIntervalMs?: number;
  readonly maxBackoffMs?: number;
  /** Counts what the relay publishes (metrics). */
  readonly observer?: RelayObserver;
}

export interface InsightRelayStatus {
  readonly leader: boolean;
  readonly lastPublishedPosition: number;
  readonly headPosition: number;
  readonly behind: number;
}

interface OutboxRow {
  position: string;
  payload: CustomerEvent;
  created_at: Date;
}

/**
 * Publishes `insight_outbox` to `cx.customer-insights.v1` in position order, at least once: send,
 * then move the checkpoint (compare-and-set). Insert order is commit order (see the writer's lock),
 * so `position > checkpoint` never skips a late commit. One relay publishes at a time, whatever the
 * number of projector instances.
 */
export class InsightRelay {
  private readonly relay: PositionOutboxRelay<OutboxRow>;

  constructor(deps: InsightRelayDeps) {
    this.relay = new PositionOutboxRelay<OutboxRow>({
      pool: deps.pool,
      kafka: deps.kafka,
      source: {
        table: INSIGHT_OUTBOX_TABLE,
        columns: 'position, payload, created_at',
        timeColumn: 'created_at',
        channel: INSIGHT_CHANNEL,
        checkpointName: INSIGHT_CHECKPOINT,
        topic: TOPICS.customerInsights,
        toMessage: (row) => toInsightMessage(row.payload, row.created_at.toISOString()),
      },
      batchSize: deps.batchSize ?? 500,
      pollIntervalMs: deps.pollIntervalMs ?? 1000,
      maxBackoffMs: deps.maxBackoffMs ?? 5000,
      logger: new Logger(InsightRelay.name),
      label: 'insight relay',
      observer: deps.observer,
    });
  }

  start(): void {
    this.relay.start();
  }

  stop(): Promise<void> {
    return this.relay.stop();
  }

  /** Called after a local commit wrote insights: publish now rather than at the next poll. */
  wakeUp(): void {
    this.relay.wakeUp();
  }

  async status(): Promise<InsightRelayStatus> {
    const state = await this.relay.state();
    return {
      leader: state.active,
      lastPublishedPosition: state.lastPublishedPosition,
      headPosition: state.headPosition,
      behind: state.behind,
    };
  }
}
