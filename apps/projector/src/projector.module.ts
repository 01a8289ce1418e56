import { Module, type DynamicModule } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { createKafka } from '@cx/kafka';
import { runMigrations } from '@cx/persistence';
import { InsightRelay } from '@cx/persistence/projections/insight-relay';
import { ProjectionEngine } from '@cx/persistence/projections/projection-engine';
import type { ProjectorConfig } from './config/projector.config';
import { TouchpointConsumer } from './consumer/touchpoint-consumer.service';
import { HealthHttpController } from './health/health.http.controller';
import { ProjectorLifecycle } from './infrastructure/projector-lifecycle.service';
import { KAFKA, KAFKA_PROBE, PG_POOL, PROJECTOR_CONFIG } from './infrastructure/projector.tokens';

@Module({})
export class ProjectorModule {
  static forRoot(config: ProjectorConfig): DynamicModule {
    return {
      module: ProjectorModule,
      controllers: [HealthHttpController],
      providers: [
        { provide: PROJECTOR_CONFIG, useValue: config },
        {
          provide: PG_POOL,
          // Migrations first: no batch ever meets an old schema.
          useFactory: async (): Promise<Pool> => {
            await runMigrations(config.DATABASE_URL);
            const pool = new Pool({
              connectionString: config.DATABASE_URL,
              max: config.PROJECTOR_CONCURRENCY + 4,
            });
            // An idle connection dying (Postgres restart) must not kill the process.
            pool.on('error', () => undefined);
            return pool;
          },
        },
        {
          provide: KAFKA,
          useFactory: (): Kafka => createKafka(config.KAFKA_BROKERS, 'cx-projector'),
        },
        {
          provide: KAFKA_PROBE,
          useFactory: (): Kafka =>
            createKafka(config.KAFKA_BROKERS, 'cx-projector-health', {
              retry: { retries: 0 },
              connectionTimeoutMs: 1000,
              requestTimeoutMs: 1500,
              logLevel: 'nothing',
            }),
        },
        {
          provide: ProjectionEngine,
          inject: [PG_POOL],
          useFactory: (pool: Pool): ProjectionEngine =>
            new ProjectionEngine(pool, config.PROJECTOR_GROUP),
        },
        {
          provide: InsightRelay,
          inject: [PG_POOL, KAFKA],
          useFactory: (pool: Pool, kafka: Kafka): InsightRelay => new InsightRelay({ pool, kafka }),
        },
        {
          provide: TouchpointConsumer,
          inject: [KAFKA, ProjectionEngine, InsightRelay],
          useFactory: (
            kafka: Kafka,
            engine: ProjectionEngine,
            relay: InsightRelay,
          ): TouchpointConsumer =>
            new TouchpointConsumer(kafka, engine, {
              group: config.PROJECTOR_GROUP,
              chunkSize: config.PROJECTOR_CHUNK,
              concurrency: config.PROJECTOR_CONCURRENCY,
              sessionTimeoutMs: config.PROJECTOR_SESSION_TIMEOUT_MS,
              onInsights: () => relay.wakeUp(),
            }),
        },
        ProjectorLifecycle,
      ],
    };
  }
}
