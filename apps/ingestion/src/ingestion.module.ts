import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { createKafka } from '@cx/kafka';
import { EventStore, OutboxRelay, PersonalDataCipher, runMigrations } from '@cx/persistence';
import { HttpErrorFilter } from '@cx/platform/errors/http-error.filter';
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
        HealthHttpController,
      ],
      providers: [
        { provide: INGESTION_CONFIG, useValue: config },
        { provide: CLOCK, useValue: clock },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        {
          provide: PG_POOL,
          // Migrations run before the pool exists, so no request ever sees an old schema.
          useFactory: async (): Promise<Pool> => {
            await runMigrations(config.DATABASE_URL);
            return new Pool({ connectionString: config.DATABASE_URL, max: 10 });
          },
        },
        {
          provide: KAFKA,
          useFactory: (): Kafka => createKafka(config.KAFKA_BROKERS, 'cx-ingestion'),
        },
        {
          provide: KAFKA_PROBE,
          useFactory: (): Kafka =>
            createKafka(config.KAFKA_BROKERS, 'cx-ingestion-health', {
              retry: { retries: 0 },
              connectionTimeoutMs: 1000,
              requestTimeoutMs: 1500,
              logLevel: 'nothing',
            }),
        },
        {
          provide: PersonalDataCipher,
          inject: [PG_POOL],
          useFactory: (pool: Pool): PersonalDataCipher =>
            new PersonalDataCipher(
              pool,
              config.CX_MASTER_KEY ? { masterKey: config.CX_MASTER_KEY } : {},
            ),
        },
        {
          provide: EventStore,
          inject: [PG_POOL, PersonalDataCipher],
          useFactory: (pool: Pool, cipher: PersonalDataCipher): EventStore =>
            new EventStore(pool, cipher),
        },
        {
          provide: OutboxRelay,
          inject: [PG_POOL, KAFKA],
          useFactory: (pool: Pool, kafka: Kafka): OutboxRelay => new OutboxRelay({ pool, kafka }),
        },
        IngestionLifecycle,
        RecordTouchpointHandler,
        RecordTouchpointBatchHandler,
      ],
    };
  }
}
