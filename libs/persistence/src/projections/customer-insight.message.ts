import type { CustomerInsight } from './customer-profile.projection';

export const CUSTOMER_INSIGHT_SOURCE = '/cx-journey/projector';

export interface InsightMessage {
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

/**
 * CloudEvents 1.0 in Kafka binary mode, keyed by customer. The id is derived from the cause and the
 * type: a touchpoint is new to the read model only once, so the id names the change itself and a
 * consumer can drop a republished copy (the relay publishes at least once).
 */
export function toInsightMessage(insight: CustomerInsight, time: string): InsightMessage {
  const value = {
    customerId: insight.customerId,
    from: insight.from,
    to: insight.to,
    causedBy: insight.causedBy,
  };
  return {
    key: insight.customerId,
    value: Buffer.from(JSON.stringify(value), 'utf8'),
    headers: {
      ce_specversion: '1.0',
      ce_id: `${insight.causedBy.touchpointId}/${insight.type}`,
      ce_type: insight.type,
      ce_source: CUSTOMER_INSIGHT_SOURCE,
      ce_subject: insight.customerId,
      ce_time: time,
      'content-type': 'application/json',
    },
  };
}
