import { register as globalRegistry } from 'prom-client';
import { createServiceRegistry, readWithin, sharedReading } from './service-registry';

describe('service registry', () => {
  it('keeps each service apart from the others and from the global registry', async () => {
    const before = await globalRegistry.metrics();
    const ingestion = createServiceRegistry('ingestion');
    const query = createServiceRegistry('query');
    expect(await globalRegistry.metrics()).toBe(before);
    const text = await ingestion.metrics();
    expect(text).toContain('process_cpu_user_seconds_total{service="ingestion"}');
    expect(text).toContain('nodejs_heap_size_used_bytes{service="ingestion"}');
    expect(text).not.toContain('service="query"');
    expect(await query.metrics()).toContain('nodejs_eventloop_lag_seconds{service="query"}');
  });

  it('gives up on a reading that fails or hangs', async () => {
    expect(await readWithin(1000, () => Promise.resolve(3))).toBe(3);
    expect(await readWithin(1000, () => Promise.reject(new Error('down')))).toBeNull();
    expect(await readWithin(10, () => new Promise<number>(() => undefined))).toBeNull();
  });

  it('shares a reading in flight and reads afresh once it is done', async () => {
    let reads = 0;
    const read = sharedReading(() => Promise.resolve((reads += 1)));
    expect(await Promise.all([read(), read()])).toEqual([1, 1]);
    expect(await read()).toBe(2);
  });
});
