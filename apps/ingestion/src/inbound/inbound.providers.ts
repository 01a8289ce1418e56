import type { FactoryProvider, Provider } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { Registry } from 'prom-client';
import { DeadLetterStore, EventStore, InboundIntake } from '@cx/event-store';
import { DeadLetterRelay } from '@cx/messaging';
import { RelayMetrics } from '@cx/platform';
import type { IngestionConfig } from '../config/ingestion.config';
import { KAFKA, PG_POOL } from '../infrastructure/ingestion.tokens';
import { InboundConsumer } from './inbound-consumer.service';
import { InboundMetrics } from './inbound-metrics';

/** The inbound consumer, or null with `CX_INBOUND=off`. */
export const INBOUND_CONSUMER = Symbol('INBOUND_CONSUMER');

/** Messages validated, appended and dead-lettered per transaction. */
const INBOUND_CHUNK = 500;
/** A member killed without leaving the group holds its partitions this long. */
const INBOUND_SESSION_TIMEOUT_MS = 10_000;

/** Kafka-native ingestion: the inbound consumer, its dead letters and their relay. */
export function inboundProviders(config: IngestionConfig): Provider[] {
  const consumer: FactoryProvider<InboundConsumer | null> = {
    provide: INBOUND_CONSUMER,
    inject: [KAFKA, InboundIntake, InboundMetrics],
    useFactory: (kafka: Kafka, intake: InboundIntake, metrics: InboundMetrics) =>
      config.CX_INBOUND === 'on'
        ? new InboundConsumer(kafka, intake, {
            group: config.CX_INBOUND_GROUP,
            chunkSize: INBOUND_CHUNK,
            sessionTimeoutMs: INBOUND_SESSION_TIMEOUT_MS,
            observer: metrics,
          })
        : null,
  };
  return [
    {
      provide: DeadLetterStore,
      inject: [PG_POOL, EventStore],
      useFactory: (pool: Pool, store: EventStore): DeadLetterStore =>
        new DeadLetterStore(pool, store),
    },
    {
      provide: InboundIntake,
      inject: [PG_POOL, EventStore, DeadLetterStore],
      useFactory: (pool: Pool, store: EventStore, deadLetters: DeadLetterStore): InboundIntake =>
        new InboundIntake(pool, store, deadLetters, config.CX_INBOUND_GROUP),
    },
    {
      provide: InboundMetrics,
      inject: [Registry],
      useFactory: (registry: Registry): InboundMetrics => new InboundMetrics(registry),
    },
    {
      provide: DeadLetterRelay,
      inject: [PG_POOL, KAFKA, RelayMetrics],
      useFactory: (pool: Pool, kafka: Kafka, metrics: RelayMetrics): DeadLetterRelay => {
        const relay = new DeadLetterRelay({ pool, kafka, observer: metrics });
        metrics.watchBacklog(DeadLetterRelay.TOPIC, () => relay.state());
        return relay;
      },
    },
    consumer,
  ];
}
