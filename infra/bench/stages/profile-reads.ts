import { expectStatus, HttpClient } from '../http-client';
import { meanCores, startService } from '../processes';
import { fmt, type StageRow } from '../report';
import type { Stack } from '../stack';
import { closedLoop, interleave, median, percentile } from '../stats';
import { measure, n, type Measurement, type StageContext } from './common';

const TARGET_CUSTOMERS = 1_000_000;

/**
 * Brings `customer_profiles` to `customers` rows by cloning the profiles the rebuild derived
 * (each clone a real profile under a new id), straight in SQL.
 */
async function seedProfiles(stack: Stack, customers: number): Promise<string[]> {
  // The clones are `x1`, `x2`, …; what a first, interrupted attempt left is kept.
  const { rows } = await stack.pool.query<{ customer_id: string }>(
    "SELECT customer_id FROM customer_profiles WHERE customer_id NOT LIKE 'x%' ORDER BY customer_id",
  );
  if (rows.length === 0) throw new Error('no profiles to clone: the rebuild stage must run first');
  const clones = Math.max(0, customers - rows.length);
  await stack.pool.query(
    `INSERT INTO customer_profiles (customer_id, profile, stage_history, stage, phase, status,
            emotion_level, emotion_score, loyalty_side, loyalty_position, touchpoints, last_position)
     SELECT 'x' || g,
            replace(p.profile::text, '"customerId":"' || p.customer_id || '"',
                    '"customerId":"x' || g || '"')::json,
            p.stage_history, p.stage, p.phase, p.status, p.emotion_level, p.emotion_score,
            p.loyalty_side, p.loyalty_position, p.touchpoints, p.last_position
       FROM generate_series(1, $1::int) AS g
       JOIN (SELECT row_number() OVER (ORDER BY customer_id) - 1 AS k, * FROM customer_profiles
              WHERE customer_id NOT LIKE 'x%') p
         ON p.k = g % $2::int
     ON CONFLICT (customer_id) DO NOTHING`,
    [clones, rows.length],
  );
  await stack.pool.query('VACUUM ANALYZE customer_profiles');
  return rows.map((r) => r.customer_id);
}

interface ReadRun extends Measurement {
  readonly latencies: number[];
}

/** `requests` reads by `clients` closed-loop clients of random customers; latency per read. */
async function timedReads(
  stack: Stack,
  requests: number,
  clients: number,
  pick: () => string,
  read: (id: string) => Promise<void>,
): Promise<ReadRun> {
  const latencies: number[] = [];
  const measured = await measure(stack, async () => {
    await closedLoop(requests, clients, async () => {
      const started = performance.now();
      await read(pick());
      latencies.push(performance.now() - started);
    });
    return requests;
  });
  return { ...measured, latencies };
}

const summary = (runs: readonly ReadRun[], unit: string): string => {
  const p50 = median(runs.map((r) => percentile(r.latencies, 50)));
  const p99 = median(runs.map((r) => percentile(r.latencies, 99)));
  const rate = median(runs.map((r) => r.rate));
  return `p50 ${fmt(p50, 2)} ms · p99 ${fmt(p99, 2)} ms · ${fmt(rate)} ${unit}`;
};

/**
 * 8. `GET /v1/customers/{id}` on the built query service over N customers, 8 closed-loop
 * clients, against the same row read with raw `pg` on 8 connections.
 */
export async function profileReadsStage(ctx: StageContext): Promise<StageRow[]> {
  const { stack, settings, log } = ctx;
  const { customers, requests, clients } = settings.reads;
  const originals = await seedProfiles(stack, customers);
  log(`profile reads: ${n(customers)} customers`);
  const pick = (): string => {
    const k = Math.floor(Math.random() * customers);
    return k < originals.length ? (originals[k] ?? 'x1') : `x${k - originals.length + 1}`;
  };
  const query = await startService('query', stack.serviceEnv);
  const http = new HttpClient(query.url, clients, query.key);
  const pool = stack.newPool(clients);
  const product = async (id: string): Promise<void> => {
    expectStatus(await http.get(`/v1/customers/${encodeURIComponent(id)}`), 200, 'GET profile');
  };
  const reference = async (id: string): Promise<void> => {
    const { rowCount } = await pool.query(
      'SELECT profile FROM customer_profiles WHERE customer_id = $1',
      [id],
    );
    if (rowCount !== 1) throw new Error(`no profile for ${id}`);
  };
  try {
    // Warm both paths (connections, JIT, caches) before timing.
    await timedReads(stack, Math.min(500, requests), clients, pick, product);
    await timedReads(stack, Math.min(500, requests), clients, pick, reference);
    const runs = await interleave(settings.reps, {
      product: () => timedReads(stack, requests, clients, pick, product),
      reference: () => timedReads(stack, requests, clients, pick, reference),
    });
    const p99 = median(runs.product.map((r) => percentile(r.latencies, 99)));
    const productRate = median(runs.product.map((r) => r.rate));
    const referenceRate = median(runs.reference.map((r) => r.rate));
    return [
      {
        stage: '8. GET profile',
        settings: `${n(customers)} customers, ${n(requests)} reads, ${clients} clients, ${settings.reps} reps`,
        product: summary(runs.product, 'req/s'),
        reference: `${summary(runs.reference, 'q/s')} (raw pg SELECT)`,
        ratio: productRate / referenceRate,
        target: `p99 ≤ 5 ms at ${n(TARGET_CUSTOMERS)} customers, ${clients} clients`,
        met: customers >= TARGET_CUSTOMERS ? p99 <= 5 : null,
        cpu: {
          product: meanCores(runs.product.map((r) => r.cpu)),
          reference: meanCores(runs.reference.map((r) => r.cpu)),
        },
        data: {
          productP50: median(runs.product.map((r) => percentile(r.latencies, 50))),
          productP99: p99,
          productRate,
          referenceP50: median(runs.reference.map((r) => percentile(r.latencies, 50))),
          referenceP99: median(runs.reference.map((r) => percentile(r.latencies, 99))),
          referenceRate,
        },
      },
    ];
  } finally {
    http.close();
    await pool.end();
    await query.stop();
  }
}
