import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A registry of the service's own, never prom-client's global one: two applications in one process
 * (tests) then keep their figures apart. Every series carries `service`, and the Node runtime's
 * figures (CPU, memory, heap, event-loop delay, GC, handles) are collected into it.
 */
export function createServiceRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** A scrape waits at most this long for a figure that needs Postgres or Kafka. */
export const SCRAPE_READ_TIMEOUT_MS = 2000;

/**
 * A scrape-time reading that gives up after `ms`, so a dependency that hangs slows a scrape by at
 * most that much; null when it fails or times out (the series is then left out, not invented).
 */
export async function readWithin<T>(ms: number, read: () => Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([read().catch(() => null), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One reading shared by the gauges of a scrape: the registry collects its metrics concurrently, so
 * two gauges fed by one query would otherwise run it twice. A reading in flight is joined; the
 * next scrape reads afresh.
 */
export function sharedReading<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | null = null;
  return () => {
    pending ??= read().finally(() => {
      pending = null;
    });
    return pending;
  };
}
