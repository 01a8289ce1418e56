import { Logger } from '@nestjs/common';
import {
  Kafka,
  Partitioners,
  type Producer,
  type ProducerConfig,
  type RetryOptions,
} from 'kafkajs';
import {
  isKafkaLogLevel,
  kafkaLogCreator,
  toKafkaJsLevel,
  type KafkaLogger,
  type KafkaLogLevel,
} from './kafka-logger';

export interface CreateKafkaOptions {
  /** Where kafkajs logs go; a Nest `Logger` fits. Defaults to `new Logger('kafkajs')`. */
  readonly logger?: KafkaLogger;
  /** Defaults to env `KAFKA_LOG_LEVEL`, else `warn`. */
  readonly logLevel?: KafkaLogLevel;
  readonly retry?: RetryOptions;
  readonly connectionTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
}

export function parseBrokers(brokers: string): string[] {
  const list = brokers
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
  if (list.length === 0) {
    throw new Error(`No Kafka broker in "${brokers}" (expected host:port[,host:port...])`);
  }
  return list;
}

function defaultLevel(): KafkaLogLevel {
  const fromEnv = process.env.KAFKA_LOG_LEVEL;
  return isKafkaLogLevel(fromEnv) ? fromEnv : 'warn';
}

/** A kafkajs client for a comma-separated broker list, logging through `logger`. */
export function createKafka(
  brokers: string,
  clientId: string,
  options: CreateKafkaOptions = {},
): Kafka {
  const logger = options.logger ?? new Logger('kafkajs');
  return new Kafka({
    clientId,
    brokers: parseBrokers(brokers),
    logLevel: toKafkaJsLevel(options.logLevel ?? defaultLevel()),
    logCreator: kafkaLogCreator(logger),
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.connectionTimeoutMs ? { connectionTimeout: options.connectionTimeoutMs } : {}),
    ...(options.requestTimeoutMs ? { requestTimeout: options.requestTimeoutMs } : {}),
  });
}

/**
 * A producer that partitions keys like the Java client (murmur2), so a data team's Java or
 * librdkafka producer and ours put the same customer on the same partition. Passing the
 * partitioner explicitly also silences kafkajs' v2 partitioner warning.
 */
export function createProducer(kafka: Kafka, config: ProducerConfig = {}): Producer {
  return kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...config });
}
