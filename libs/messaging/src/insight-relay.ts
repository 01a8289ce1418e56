import { Logger } from '@nestjs/common';
import { TOPICS } from '@cx/contracts';
import { toInsightMessage, type CustomerEvent } from '@cx/contracts';
import { INSIGHT_CHANNEL, INSIGHT_CHECKPOINT, INSIGHT_OUTBOX_TABLE } from '@cx/read-models';
import {
  OutboxTopicRelay,
  type OutboxTopicRelayDeps,
  type OutboxTopicRelayStatus,
} from './outbox-topic-relay';

export type InsightRelayDeps = OutboxTopicRelayDeps;

export type InsightRelayStatus = OutboxTopicRelayStatus;

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
export class InsightRelay extends OutboxTopicRelay<OutboxRow> {
  constructor(deps: InsightRelayDeps) {
    super(
      deps,
      {
        table: INSIGHT_OUTBOX_TABLE,
        columns: 'position, payload, created_at',
        timeColumn: 'created_at',
        channel: INSIGHT_CHANNEL,
        checkpointName: INSIGHT_CHECKPOINT,
        topic: TOPICS.customerInsights,
        toMessage: (row) => toInsightMessage(row.payload, row.created_at.toISOString()),
      },
      new Logger(InsightRelay.name),
      'insight relay',
    );
  }

  async status(): Promise<InsightRelayStatus> {
    return OutboxTopicRelay.statusOf(await this.relay.state());
  }
}
