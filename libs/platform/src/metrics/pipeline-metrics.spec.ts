import { Registry } from 'prom-client';
import type { Pool } from 'pg';
import { AppendMetrics, RelayMetrics } from './pipeline-metrics';
import { registerPoolMetrics } from './pool-metrics';

const result = (
  status: 'accepted' | 'duplicate' | 'conflict',
): { touchpointId: string; status: 'accepted' | 'duplicate' | 'conflict'; position: number } => ({
  touchpointId: 'tp',
  status,
  position: 1,
});

describe('event store, relay and pool metrics', () => {
  it('observes append sizes and durations and counts touchpoints by status', async () => {
    const registry = new Registry();
    const metrics = new AppendMetrics(registry);
    expect(await registry.metrics()).toContain(
      'cx_event_store_appended_touchpoints_total{status="conflict"} 0',
    );
    metrics.appended([result('accepted')], 0.004);
    metrics.appended([result('accepted'), result('duplicate'), result('conflict')], 0.02);
    const text = await registry.metrics();
    expect(text).toContain('cx_event_store_appended_touchpoints_total{status="accepted"} 2');
    expect(text).toContain('cx_event_store_appended_touchpoints_total{status="duplicate"} 1');
    expect(text).toContain('cx_event_store_appended_touchpoints_total{status="conflict"} 1');
    expect(text).toContain('cx_event_store_append_batch_size_sum 4');
    expect(text).toContain('cx_event_store_append_batch_size_bucket{le="2"} 1');
    expect(text).toContain('cx_event_store_append_duration_seconds_count 2');
    expect(text).toContain('cx_event_store_append_duration_seconds_bucket{le="0.005"} 1');
  });

  it('counts published events and reads the relay backlog once per scrape', async () => {
    const registry = new Registry();
    const metrics = new RelayMetrics(registry);
    let reads = 0;
    metrics.watchBacklog('cx.touchpoints.v1', () => {
      reads += 1;
      return Promise.resolve({ behind: 12, oldestUnpublishedAgeSeconds: 3 });
    });
    metrics.published('cx.touchpoints.v1', 100, 0.01);
    metrics.published('cx.touchpoints.v1', 5, 0.002);
    const text = await registry.metrics();
    expect(reads).toBe(1);
    expect(text).toContain('cx_relay_published_events_total{topic="cx.touchpoints.v1"} 105');
    expect(text).toContain('cx_relay_publish_duration_seconds_count{topic="cx.touchpoints.v1"} 2');
    expect(text).toContain('cx_relay_lag_events{topic="cx.touchpoints.v1"} 12');
    expect(text).toContain('cx_relay_oldest_unpublished_age_seconds{topic="cx.touchpoints.v1"} 3');
  });

  it('leaves the backlog out of a scrape when the store does not answer', async () => {
    const registry = new Registry();
    const metrics = new RelayMetrics(registry);
    metrics.watchBacklog('cx.touchpoints.v1', () => Promise.reject(new Error('ECONNREFUSED')));
    const text = await registry.metrics();
    expect(text).not.toContain('cx_relay_lag_events{');
    expect(text).toContain('cx_relay_published_events_total{topic="cx.touchpoints.v1"} 0');
  });

  it('reports each pool by name: open, idle, waiting and maximum connections', async () => {
    const registry = new Registry();
    const pool = (total: number, idle: number, waiting: number, max: number): Pool =>
      ({ totalCount: total, idleCount: idle, waitingCount: waiting, options: { max } }) as Pool;
    registerPoolMetrics(registry, { main: pool(10, 0, 3, 10), keystore: pool(1, 1, 0, 4) });
    const text = await registry.metrics();
    expect(text).toContain('cx_pg_pool_connections{pool="main"} 10');
    expect(text).toContain('cx_pg_pool_idle_connections{pool="keystore"} 1');
    expect(text).toContain('cx_pg_pool_waiting_clients{pool="main"} 3');
    expect(text).toContain('cx_pg_pool_max_connections{pool="keystore"} 4');
  });
});
