import { Gauge, type Registry } from 'prom-client';
import type { Pool } from 'pg';

/** Pools by the name their series carry, e.g. `{ main, keystore }`. */
export type NamedPools = Readonly<Record<string, Pool>>;

/**
 * Connection counts of the service's pg pools, read from the pools at scrape time (no query, and
 * nothing on the request path): open, idle, callers waiting for a connection, and the maximum.
 */
export function registerPoolMetrics(registry: Registry, pools: NamedPools): void {
  const gauge = (name: string, help: string, read: (pool: Pool) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['pool'],
      registers: [registry],
      collect() {
        for (const [label, pool] of Object.entries(pools)) this.set({ pool: label }, read(pool));
      },
    });
  };
  gauge('cx_pg_pool_connections', 'Open connections of the pg pool.', (p) => p.totalCount);
  gauge('cx_pg_pool_idle_connections', 'Open connections not in use.', (p) => p.idleCount);
  gauge(
    'cx_pg_pool_waiting_clients',
    'Callers waiting for a connection: the pool is exhausted while above 0.',
    (p) => p.waitingCount,
  );
  gauge(
    'cx_pg_pool_max_connections',
    'Most connections the pool opens.',
    (p) => p.options.max ?? 10,
  );
}
