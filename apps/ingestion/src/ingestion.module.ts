import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { OutboxRelay } from '@cx/messaging';
import { migrateDatabase } from '@cx/read-models';
import { HttpErrorFilter, TracingShutdown } from '@cx/platform';
import { eventStoreProviders } from '@cx/platform';
import { kafkaProviders, pgPoolProvider } from '@cx/platform';
import type { IngestionConfig } from './config/ingestion.config';
import { HealthHttpController } from './health/health.http.controller';
import { IngestionLifecycle } from './infrastructure/ingestion-lifecycle.service';
import {
  CLOCK,
  INGESTION_CONFIG,
  KAFKA,
  KAFKA_PROBE,
  PG_POOL,
  type Clock,
} from './infrastructure/ingestion.tokens';
import { RecordTouchpointBatchHandler } from './record-touchpoint-batch/record-touchpoint-batch.handler';
import { RecordTouchpointBatchHttpController } from './record-touchpoint-batch/record-touchpoint-batch.http.controller';
import { RecordTouchpointHandler } from './record-touchpoint/record-touchpoint.handler';
import { RecordTouchpointHttpController } from './record-touchpoint/record-touchpoint.http.controller';
import { accessProviders } from '@cx/platform';
import {
  appendMetricsProvider,
  KEYSTORE_POOL,
  MetricsHttpController,
  metricsProviders,
  RelayMetrics,
  relayMetricsProvider,
} from '@cx/platform';
import { TOPICS } from '@cx/contracts';
import { ConsentStore } from '@cx/event-store';
import { RecordConsentHttpController } from './record-consent/record-consent.http.controller';
import { inboundProviders } from './inbound/inbound.providers';
import { grpcEdgeProvider } from '@cx/platform';
import { BATCH_BODY_LIMIT_BYTES } from './ingestion.http';
import { TouchpointIngestionGrpc } from './touchpoint-ingestion.grpc';

/** What one gRPC answer may weigh: a RecordStream of 100,000 messages answers in ~10 MB. */
const GRPC_SEND_LIMIT_BYTES = 32 * 1024 * 1024;

const systemClock: Clock = { now: () => new Date() };

@Module({})
export class IngestionModule {
  static forRoot(config: IngestionConfig, clock: Clock = systemClock): DynamicModule {
    return {
      module: IngestionModule,
      imports: [CqrsModule.forRoot()],
      controllers: [
        RecordTouchpointHttpController,
        RecordTouchpointBatchHttpController,
        RecordConsentHttpController,
        HealthHttpController,
        MetricsHttpController,
      ],
      providers: [
        { provide: INGESTION_CONFIG, useValue: config },
        { provide: CLOCK, useValue: clock },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        // Last hook of a shutdown: exports the spans still buffered (tracing on only).
        TracingShutdown,
        ...accessProviders(PG_POOL, config, 'ingestion'),
        {
          provide: ConsentStore,
          inject: [PG_POOL],
          useFactory: (pool: Pool): ConsentStore => new ConsentStore(pool),
        },
        pgPoolProvider(PG_POOL, {
          connectionString: config.DATABASE_URL,
          max: 10,
          prepare: migrateDatabase,
        }),
        ...kafkaProviders(
          { client: KAFKA, probe: KAFKA_PROBE },
          config.KAFKA_BROKERS,
          'cx-ingestion',
        ),
        ...eventStoreProviders(PG_POOL, {
          databaseUrl: config.DATABASE_URL,
          ...(config.CX_KEYSTORE_URL === undefined ? {} : { keystoreUrl: config.CX_KEYSTORE_URL }),
          ...(config.CX_MASTER_KEY === undefined ? {} : { masterKey: config.CX_MASTER_KEY }),
        }),
        ...metricsProviders('ingestion', { main: PG_POOL, keystore: KEYSTORE_POOL }),
        appendMetricsProvider,
        relayMetricsProvider,
        {
          provide: OutboxRelay,
          inject: [PG_POOL, KAFKA, RelayMetrics],
          useFactory: (pool: Pool, kafka: Kafka, metrics: RelayMetrics): OutboxRelay => {
            const relay = new OutboxRelay({ pool, kafka, observer: metrics });
            metrics.watchBacklog(TOPICS.touchpoints, () => relay.status());
            return relay;
          },
        },
        ...inboundProviders(config),
        IngestionLifecycle,
        RecordTouchpointHandler,
        RecordTouchpointBatchHandler,
        TouchpointIngestionGrpc,
        grpcEdgeProvider({
          name: 'ingestion',
          host: config.HOST,
          port: config.GRPC_PORT,
          // The REST batch body limit: a RecordBatch (or one stream message) of the same size.
          maxReceiveBytes: BATCH_BODY_LIMIT_BYTES,
          maxSendBytes: GRPC_SEND_LIMIT_BYTES,
          services: [TouchpointIngestionGrpc],
        }),
      ],
    };
  }
}
