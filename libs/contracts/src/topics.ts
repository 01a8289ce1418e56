/**
 * The one map of Kafka topic names. A breaking change to a topic's payload bumps its version
 * suffix and creates a new topic; consumers migrate at their own pace.
 */
export const TOPICS = {
  /** Recorded touchpoints, published by the outbox relay, keyed by customerId. */
  touchpoints: 'cx.touchpoints.v1',
  /** Touchpoints sent by producers through Kafka, validated and appended by ingestion. */
  touchpointsInbound: 'cx.touchpoints.inbound.v1',
  /** Derived events: lifecycle stage, emotion level and loyalty changes. */
  customerInsights: 'cx.customer-insights.v1',
  /** Messages a consumer could not process (poison), with the reason and origin in headers. */
  touchpointsDeadLetter: 'cx.touchpoints.deadletter.v1',
  /** Each customer's current profile, keyed by customerId, compacted; a tombstone on erasure. */
  customerProfiles: 'cx.customer-profiles.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export interface TopicSpec {
  readonly name: TopicName;
  readonly partitions: number;
  /** Topic-level settings given at creation (Kafka names, e.g. `cleanup.policy`). */
  readonly config?: Readonly<Record<string, string>>;
}

/**
 * The largest value the inbound topic takes. Above the broker's 1 MB default so that an
 * oversized touchpoint reaches ingestion and is dead-lettered with its reason, instead of being
 * refused to the producer with no trace on our side.
 */
export const INBOUND_MAX_MESSAGE_BYTES = 8 * 1024 * 1024;

/**
 * Partitions per topic. Keyed topics get 6 so that projectors can scale out to 6 instances;
 * the dead-letter topic is read by people, in order, so it keeps a single partition.
 */
export const TOPIC_SPECS: readonly TopicSpec[] = [
  { name: TOPICS.touchpoints, partitions: 6 },
  {
    name: TOPICS.touchpointsInbound,
    partitions: 6,
    config: { 'max.message.bytes': String(INBOUND_MAX_MESSAGE_BYTES) },
  },
  { name: TOPICS.customerInsights, partitions: 6 },
  // Takes what the inbound topic takes: a dead letter carries its message's value (up to 1 MB).
  {
    name: TOPICS.touchpointsDeadLetter,
    partitions: 1,
    config: { 'max.message.bytes': String(INBOUND_MAX_MESSAGE_BYTES) },
  },
  // Compacted: a reader from the start gets each customer's latest profile, and a tombstone
  // (null value) removes an erased customer for good once the log cleaner has passed.
  {
    name: TOPICS.customerProfiles,
    partitions: 6,
    config: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '0' },
  },
];
