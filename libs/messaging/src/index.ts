export { createKafka, createProducer, parseBrokers, type CreateKafkaOptions } from './create-kafka';
export { ensureTopics, type EnsureTopicsResult } from './ensure-topics';
export {
  formatLogEntry,
  kafkaLogCreator,
  type KafkaLogger,
  type KafkaLogLevel,
} from './kafka-logger';
export { KafkaAdminSession } from './kafka-admin-session';
export { OutboxRelay, type OutboxRelayDeps, type OutboxRelayStatus } from './outbox-relay';
export { InsightRelay, type InsightRelayDeps, type InsightRelayStatus } from './insight-relay';
export {
  ProfileRelay,
  toProfileMessage,
  type ProfileOutboxRow,
  type ProfileRelayDeps,
  type ProfileRelayStatus,
} from './profile-relay';
export {
  clusterPartitions,
  ConfirmedSender,
  type PartitionSource,
  type SendingProducer,
  type UnconfirmedPartitions,
} from './confirmed-send';
export { type PositionOutboxRelayState, type RelayObserver } from './position-outbox-relay';
export {
  DEAD_LETTER_HEADERS,
  DeadLetterRelay,
  deadLetterMessage,
  type DeadLetterRelayDeps,
} from './dead-letter-relay';
export { GroupAssignment, type AssignmentHooks } from './consumer/group-assignment';
export {
  seekToRecordedOffsets,
  type RecordedOffsets,
  type SeekToRecordedOptions,
} from './consumer/seek-to-recorded';
export { groupMemberConfig } from './consumer/group-member-config';
export { RecordedOffsetChunks, type ChunkGap } from './consumer/recorded-offset-chunks';
export { StoreOutage, type StoreOutageMessages } from './consumer/store-outage';
