import { APP_FILTER } from '@nestjs/core';
import { Logger, Module, type DynamicModule } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { migrateDatabase } from '@cx/read-models';
import { InsightRelay, ProfileRelay } from '@cx/messaging';
import { ConsentFollower, ProjectionEngine, type Projection } from '@cx/read-models';
import { HttpErrorFilter, kafkaProviders, pgPoolProvider, TracingShutdown } from '@cx/platform';
import {
  projectorClientId,
  projectorInstanceId,
  type ProjectorConfig,
} from './config/projector.config';
import { consentPolicyOf } from './projections/consent-policy';
import { projections } from './projections/projection-registry';
import { TouchpointConsumer } from './consumer/touchpoint-consumer.service';
import { HealthHttpController } from './health/health.http.controller';
import { ProjectorLifecycle } from './infrastructure/projector-lifecycle.service';
import { KAFKA, KAFKA_PROBE, PG_POOL, PROJECTOR_CONFIG } from './infrastructure/projector.tokens';
import { accessProviders } from '@cx/platform';
import {
  MetricsHttpController,
  metricsProviders,
  RelayMetrics,
  relayMetricsProvider,
} from '@cx/platform';
import { TOPICS } from '@cx/contracts';
import { Registry } from 'prom-client';
import { ProjectorMetrics } from './metrics/projector-metrics';

const CONSUMER_LAG_METRICS = Symbol('CONSUMER_LAG_METRICS');

@Module({})
export class ProjectorModule {
  static forRoot(config: ProjectorConfig): DynamicModule {
    const instanceId = projectorInstanceId(config);
    // Names the instance in the group's member list, so a restart finds what it left behind.
    const clientId = projectorClientId(instanceId);
    const kept: readonly Projection[] = projections(consentPolicyOf(config.CX_OPT_IN_PURPOSES));
    return {
      module: ProjectorModule,
      controllers: [HealthHttpController, MetricsHttpController],
      providers: [
        // The one error shape on every service, the refusals of access control included.
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        // Last hook of a shutdown: exports the spans still buffered (tracing on only).
        TracingShutdown,
        { provide: PROJECTOR_CONFIG, useValue: config },
        // Migrations first: no batch ever meets an old schema.
        ...accessProviders(PG_POOL, config, 'projector'),
        pgPoolProvider(PG_POOL, {
          connectionString: config.DATABASE_URL,
          // One more than before for the profile relay's LISTEN connection, which it holds.
          max: config.PROJECTOR_CONCURRENCY + 5,
          prepare: migrateDatabase,
        }),
        ...kafkaProviders({ client: KAFKA, probe: KAFKA_PROBE }, config.KAFKA_BROKERS, clientId),
        {
          provide: ProjectionEngine,
          inject: [PG_POOL],
          useFactory: (pool: Pool): ProjectionEngine =>
            new ProjectionEngine(pool, config.PROJECTOR_GROUP, kept),
        },
        {
          provide: ConsentFollower,
          inject: [PG_POOL],
          useFactory: (pool: Pool): ConsentFollower =>
            new ConsentFollower(pool, kept, {
              onError: (error) =>
                new Logger('ConsentFollower').warn(`round failed, retried: ${String(error)}`),
            }),
        },
        ...metricsProviders('projector', { main: PG_POOL }),
        relayMetricsProvider,
        {
          provide: ProjectorMetrics,
          inject: [Registry],
          useFactory: (registry: Registry): ProjectorMetrics => {
            const metrics = new ProjectorMetrics(registry);
            metrics.watchTopic(TOPICS.touchpoints);
            return metrics;
          },
        },
        {
          provide: InsightRelay,
          inject: [PG_POOL, KAFKA, RelayMetrics],
          useFactory: (pool: Pool, kafka: Kafka, metrics: RelayMetrics): InsightRelay => {
            const relay = new InsightRelay({ pool, kafka, observer: metrics });
            metrics.watchBacklog(TOPICS.customerInsights, () => relay.status());
            return relay;
          },
        },
        {
          provide: ProfileRelay,
          inject: [PG_POOL, KAFKA, RelayMetrics],
          useFactory: (pool: Pool, kafka: Kafka, metrics: RelayMetrics): ProfileRelay => {
            const relay = new ProfileRelay({ pool, kafka, observer: metrics });
            metrics.watchBacklog(TOPICS.customerProfiles, () => relay.status());
            return relay;
          },
        },
        {
          provide: TouchpointConsumer,
          inject: [KAFKA, ProjectionEngine, InsightRelay, ProjectorMetrics],
          useFactory: (
            kafka: Kafka,
            engine: ProjectionEngine,
            relay: InsightRelay,
            metrics: ProjectorMetrics,
          ): TouchpointConsumer =>
            new TouchpointConsumer(kafka, engine, {
              observer: metrics,
              group: config.PROJECTOR_GROUP,
              chunkSize: config.PROJECTOR_CHUNK,
              concurrency: config.PROJECTOR_CONCURRENCY,
              sessionTimeoutMs: config.PROJECTOR_SESSION_TIMEOUT_MS,
              instanceClientId: instanceId === null ? null : clientId,
              onInsights: () => relay.wakeUp(),
            }),
        },
        ProjectorLifecycle,
        {
          // The consumer lag is read at scrape time, through the lifecycle's Kafka admin session.
          provide: CONSUMER_LAG_METRICS,
          inject: [ProjectorMetrics, ProjectorLifecycle],
          useFactory: (metrics: ProjectorMetrics, lifecycle: ProjectorLifecycle): boolean => {
            metrics.watchLag(() => lifecycle.lag());
            return true;
          },
        },
      ],
    };
  }
}
