import type { FactoryProvider, INestApplication } from '@nestjs/common';
import type { Pool } from 'pg';
import { Registry } from 'prom-client';
import { HttpMetrics } from './http-metrics';
import { AppendMetrics, RelayMetrics } from './pipeline-metrics';
import { registerPoolMetrics } from './pool-metrics';
import { expressRouteTemplates } from '../http/route-template';
import { createServiceRegistry } from './service-registry';

const POOL_METRICS = Symbol('POOL_METRICS');

/**
 * The service's metrics registry (`Registry`, one per application), its HTTP metrics and the
 * usage of its pg pools, named by label: `{ main: PG_POOL, keystore: KEYSTORE_POOL }`.
 */
export function metricsProviders(
  service: string,
  pools: Readonly<Record<string, symbol>>,
): FactoryProvider[] {
  const names = Object.keys(pools);
  return [
    { provide: Registry, useFactory: (): Registry => createServiceRegistry(service) },
    {
      provide: HttpMetrics,
      inject: [Registry],
      useFactory: (registry: Registry): HttpMetrics => new HttpMetrics(registry),
    },
    {
      provide: POOL_METRICS,
      inject: [Registry, ...names.map((name) => pools[name] as symbol)],
      useFactory: (registry: Registry, ...instances: Pool[]): boolean => {
        registerPoolMetrics(
          registry,
          Object.fromEntries(names.map((name, i) => [name, instances[i] as Pool])),
        );
        return true;
      },
    },
  ];
}

/** Appends to the event store (ingestion); `eventStoreProviders` hands it to the store. */
export const appendMetricsProvider: FactoryProvider<AppendMetrics> = {
  provide: AppendMetrics,
  inject: [Registry],
  useFactory: (registry: Registry): AppendMetrics => new AppendMetrics(registry),
};

/** Outbox relays: hand it to a relay as its observer, and name its backlog with `watchBacklog`. */
export const relayMetricsProvider: FactoryProvider<RelayMetrics> = {
  provide: RelayMetrics,
  inject: [Registry],
  useFactory: (registry: Registry): RelayMetrics => new RelayMetrics(registry),
};

/**
 * Counts and times every HTTP request of `app` (`HttpMetrics` from `metricsProviders`). Call it
 * before any other `app.use`, so requests refused by a middleware are counted too.
 */
export function observeHttp(app: INestApplication): void {
  const metrics = app.get(HttpMetrics);
  metrics.useRouteTemplates(() => expressRouteTemplates(app.getHttpAdapter().getInstance()));
  app.use(metrics.middleware);
}
