export { createKafka, createProducer, parseBrokers, type CreateKafkaOptions } from './create-kafka';
export { ensureTopics, type EnsureTopicsResult } from './ensure-topics';
export { TOPIC_SPECS, type TopicSpec } from './topic-specs';
export {
  formatLogEntry,
  kafkaLogCreator,
  type KafkaLogger,
  type KafkaLogLevel,
} from './kafka-logger';
