/**
 * Derived events on `cx.customer-insights.v1`: a watched value of a customer's read model changed
 * (lifecycle stage, emotion level, loyalty position, status), with the touchpoint that caused it.
 */

export const INSIGHT_TYPES = {
  stage: 'cx.customer.stage-changed.v1',
  emotionLevel: 'cx.customer.emotion-level-changed.v1',
  loyaltyPosition: 'cx.customer.loyalty-position-changed.v1',
  status: 'cx.customer.status-changed.v1',
} as const;

export type InsightType = (typeof INSIGHT_TYPES)[keyof typeof INSIGHT_TYPES];

export const CUSTOMER_INSIGHT_SOURCE = '/cx-journey/projector';

/** What a data team needs to know about the touchpoint that produced a change. */
export interface InsightCause {
  readonly touchpointId: string;
  readonly occurredAt: string;
  readonly interaction: string;
  readonly channel: string;
  readonly position: number;
}

export interface CustomerInsight {
  readonly type: InsightType;
  readonly customerId: string;
  /** null when the customer appears in the read model for the first time. */
  readonly from: string | number | null;
  readonly to: string | number;
  readonly causedBy: InsightCause;
}

/**
 * On the same topic, keyed by customer: the customer was erased. Their personal data can no
 * longer be read anywhere; a consumer that copied any drops it, and a compacted topic keyed by
 * customer drops their record on a tombstone that follows.
 */
export const CUSTOMER_ERASED_TYPE = 'cx.customer.erased.v1';

export interface CustomerErased {
  readonly type: typeof CUSTOMER_ERASED_TYPE;
  readonly customerId: string;
  readonly erasureId: string;
  readonly erasedAt: string;
}

/** Everything the projector's outbox relays to `cx.customer-insights.v1`. */
export type CustomerEvent = CustomerInsight | CustomerErased;

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
export function toInsightMessage(insight: CustomerEvent, time: string): InsightMessage {
  if (insight.type === CUSTOMER_ERASED_TYPE) return toErasedMessage(insight);
  const value = {
    customerId: insight.customerId,
    from: insight.from,
    to: insight.to,
    causedBy: insight.causedBy,
  };
  return customerMessage(insight.customerId, value, {
    id: `${insight.causedBy.touchpointId}/${insight.type}`,
    type: insight.type,
    time,
  });
}

function toErasedMessage(erased: CustomerErased): InsightMessage {
  const value = {
    customerId: erased.customerId,
    erasureId: erased.erasureId,
    erasedAt: erased.erasedAt,
  };
  return customerMessage(erased.customerId, value, {
    id: `erasure/${erased.erasureId}`,
    type: CUSTOMER_ERASED_TYPE,
    time: erased.erasedAt,
  });
}

/** A JSON CloudEvent of the projector about one customer, keyed and subjected by them. */
function customerMessage(
  customerId: string,
  value: object,
  event: { readonly id: string; readonly type: string; readonly time: string },
): InsightMessage {
  return {
    key: customerId,
    value: Buffer.from(JSON.stringify(value), 'utf8'),
    headers: {
      ce_specversion: '1.0',
      ce_id: event.id,
      ce_type: event.type,
      ce_source: CUSTOMER_INSIGHT_SOURCE,
      ce_subject: customerId,
      ce_time: event.time,
      'content-type': 'application/json',
    },
  };
}
