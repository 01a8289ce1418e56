/**
 * The one map of Kafka topic names. A breaking change to a topic's payload bumps its version
 * suffix and creates a new topic; consumers migrate at their own pace.
 */
export const TOPICS = {
  /** Recorded touchpoints, published by the outbox relay, keyed by customerId. */
  touchpoints: 'cx.touchpoints.v1',
  /** Reserved for producers that send touchpoints through Kafka; created, not consumed yet. */
  touchpointsInbound: 'cx.touchpoints.inbound.v1',
  /** Derived events: lifecycle stage, emotion level and loyalty changes. */
  customerInsights: 'cx.customer-insights.v1',
  /** Messages a consumer could not process (poison), with the reason and origin in headers. */
  touchpointsDeadLetter: 'cx.touchpoints.deadletter.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export interface TopicSpec {
  readonly name: TopicName;
  readonly partitions: number;
}

/**
 * Partitions per topic. Keyed topics get 6 so that projectors can scale out to 6 instances;
 * the dead-letter topic is read by people, in order, so it keeps a single partition.
 */
export const TOPIC_SPECS: readonly TopicSpec[] = [
  { name: TOPICS.touchpoints, partitions: 6 },
  { name: TOPICS.touchpointsInbound, partitions: 6 },
  { name: TOPICS.customerInsights, partitions: 6 },
  { name: TOPICS.touchpointsDeadLetter, partitions: 1 },
];
