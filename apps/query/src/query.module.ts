import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import { migrateDatabase } from '@cx/read-models';
import { AnalyticsQueries, CustomerErasure, ReadModelQueries } from '@cx/read-models';
import {
  ConsentStore,
  EventStore,
  keystoreUrlFor,
  PersonalDataCipher,
  sameDatabase,
} from '@cx/event-store';
import { HttpErrorFilter, TracingShutdown } from '@cx/platform';
import { eventStoreProviders } from '@cx/platform';
import { pgPoolProvider } from '@cx/platform';
import { createQueryValidationPipe } from './common/request-validation';
import type { QueryConfig } from './config/query.config';
import { GetCustomerEmotionHandler } from './get-customer-emotion/get-customer-emotion.handler';
import { GetCustomerEmotionHttpController } from './get-customer-emotion/get-customer-emotion.http.controller';
import { GetCustomerJourneyHandler } from './get-customer-journey/get-customer-journey.handler';
import { GetCustomerJourneyHttpController } from './get-customer-journey/get-customer-journey.http.controller';
import { GetCustomerLoyaltyHandler } from './get-customer-loyalty/get-customer-loyalty.handler';
import { GetCustomerLoyaltyHttpController } from './get-customer-loyalty/get-customer-loyalty.http.controller';
import { GetCustomerProfileHandler } from './get-customer-profile/get-customer-profile.handler';
import { GetCustomerProfileHttpController } from './get-customer-profile/get-customer-profile.http.controller';
import { EraseCustomerHttpController } from './erase-customer/erase-customer.http.controller';
import { GetCustomerConsentsHttpController } from './get-customer-consents/get-customer-consents.http.controller';
import { AdminAuditHttpController } from './admin-audit/admin-audit.http.controller';
import { ExportCustomerHttpController } from './export-customer/export-customer.http.controller';
import { AdminKeysHttpController } from './admin-keys/admin-keys.http.controller';
import { HealthHttpController } from './health/health.http.controller';
import { AnalyticsHttpController } from './analytics/analytics.http.controller';
import {
  GetChurnHandler,
  GetComplaintMetricsHandler,
  GetCustomerValueHandler,
  GetExperienceMetricsHandler,
  GetFunnelHandler,
  GetMomentsOfTruthHandler,
  GetPerceptionGapHandler,
  GetRevenueHandler,
} from './analytics/analytics.handlers';
import { GetCustomerValueHttpController } from './get-customer-value/get-customer-value.http.controller';
import { ProgressNotifications } from './infrastructure/progress-notifications';
import { ProjectionWaiter } from './infrastructure/projection-waiter';
import { QueryLifecycle } from './infrastructure/query-lifecycle.service';
import { PG_POOL, QUERY_CONFIG } from './infrastructure/query.tokens';
import { ListCustomerTouchpointsHandler } from './list-customer-touchpoints/list-customer-touchpoints.handler';
import { ListCustomerTouchpointsHttpController } from './list-customer-touchpoints/list-customer-touchpoints.http.controller';
import { ListCustomersHandler } from './list-customers/list-customers.handler';
import { ListCustomersHttpController } from './list-customers/list-customers.http.controller';
import { accessProviders } from '@cx/platform';
import { KEYSTORE_POOL, MetricsHttpController, metricsProviders } from '@cx/platform';
import { grpcEdgeProvider } from '@cx/platform';
import { QUERY_BODY_LIMIT_BYTES } from './common/api-errors';
import { CustomerJourneyQueryGrpc } from './customer-journey-query.grpc';

/** What one gRPC answer may weigh: a page of 200 touchpoints with long texts and attributes. */
const GRPC_SEND_LIMIT_BYTES = 64 * 1024 * 1024;

@Module({})
export class QueryModule {
  static forRoot(config: QueryConfig): DynamicModule {
    return {
      module: QueryModule,
      imports: [CqrsModule.forRoot()],
      controllers: [
        // The listing before `:customerId` routes; the sub-resources before the bare profile.
        ListCustomersHttpController,
        GetCustomerJourneyHttpController,
        GetCustomerEmotionHttpController,
        GetCustomerLoyaltyHttpController,
        ListCustomerTouchpointsHttpController,
        ExportCustomerHttpController,
        GetCustomerConsentsHttpController,
        GetCustomerProfileHttpController,
        HealthHttpController,
        MetricsHttpController,
        AdminKeysHttpController,
        AdminAuditHttpController,
        EraseCustomerHttpController,
        AnalyticsHttpController,
        GetCustomerValueHttpController,
      ],
      providers: [
        { provide: QUERY_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        // Last hook of a shutdown: exports the spans still buffered (tracing on only).
        TracingShutdown,
        { provide: APP_PIPE, useFactory: createQueryValidationPipe },
        // The schema is brought up to date before the first request, whichever service starts first.
        ...accessProviders(PG_POOL, config, 'query'),
        ...metricsProviders('query', { main: PG_POOL, keystore: KEYSTORE_POOL }),
        pgPoolProvider(PG_POOL, {
          connectionString: config.DATABASE_URL,
          max: 10,
          prepare: migrateDatabase,
        }),
        ...eventStoreProviders(PG_POOL, {
          databaseUrl: config.DATABASE_URL,
          ...(config.CX_KEYSTORE_URL === undefined ? {} : { keystoreUrl: config.CX_KEYSTORE_URL }),
          ...(config.CX_MASTER_KEY === undefined ? {} : { masterKey: config.CX_MASTER_KEY }),
        }),
        {
          provide: ReadModelQueries,
          inject: [PG_POOL],
          useFactory: (pool: Pool): ReadModelQueries => new ReadModelQueries(pool),
        },
        {
          provide: AnalyticsQueries,
          inject: [PG_POOL],
          useFactory: (pool: Pool): AnalyticsQueries => new AnalyticsQueries(pool),
        },
        {
          provide: CustomerErasure,
          inject: [PG_POOL, EventStore, PersonalDataCipher],
          useFactory: (
            pool: Pool,
            store: EventStore,
            cipher: PersonalDataCipher,
          ): CustomerErasure =>
            new CustomerErasure(
              pool,
              store,
              cipher,
              !sameDatabase(
                config.CX_KEYSTORE_URL ?? keystoreUrlFor(config.DATABASE_URL),
                config.DATABASE_URL,
              ),
            ),
        },
        {
          provide: ConsentStore,
          inject: [PG_POOL],
          useFactory: (pool: Pool): ConsentStore => new ConsentStore(pool),
        },
        ProgressNotifications,
        ProjectionWaiter,
        QueryLifecycle,
        GetCustomerProfileHandler,
        GetCustomerJourneyHandler,
        GetCustomerEmotionHandler,
        GetCustomerLoyaltyHandler,
        ListCustomerTouchpointsHandler,
        ListCustomersHandler,
        GetExperienceMetricsHandler,
        GetComplaintMetricsHandler,
        GetRevenueHandler,
        GetCustomerValueHandler,
        GetChurnHandler,
        GetFunnelHandler,
        GetMomentsOfTruthHandler,
        GetPerceptionGapHandler,
        CustomerJourneyQueryGrpc,
        grpcEdgeProvider({
          name: 'query',
          host: config.HOST,
          port: config.GRPC_PORT,
          // Requests are a few parameters: the REST body limit is plenty.
          maxReceiveBytes: QUERY_BODY_LIMIT_BYTES,
          maxSendBytes: GRPC_SEND_LIMIT_BYTES,
          services: [CustomerJourneyQueryGrpc],
        }),
      ],
    };
  }
}
