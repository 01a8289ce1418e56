import { touchpoints } from '../data';
import { expectStatus, HttpClient } from '../http-client';
import { CpuMeter, type ChildService } from '../processes';
import { fmt, type StageRow } from '../report';
import type { Stack } from '../stack';
import { percentile, sleep, until } from '../stats';
import { n, type LiveServices, type StageContext } from './common';

/** One send every 10 ms: 10 touchpoints per request at 1,000/s, 50 at 5,000/s. */
const TICK_MS = 10;

interface BatchAnswer {
  results: { touchpointId: string; position: number | null }[];
}

interface OpenLoopRun {
  /** Ingestion answer → the query service's `minPosition` read answering. */
  readonly latencies: number[];
  /** Ingestion answer → the touchpoint seen in the ledger (polled every 10 ms). */
  readonly ledgerLatencies: number[];
  readonly postLatencies: number[];
  readonly failures: number;
  readonly cpu: Record<string, number>;
}

/** Polls the projector's ledger for the awaited touchpoints; records when each shows up. */
function ledgerWatch(stack: Stack): {
  expect(id: string, since: number): void;
  stop(): Promise<number[]>;
} {
  const pending = new Map<string, number>();
  const latencies: number[] = [];
  let running = true;
  const loop = (async (): Promise<void> => {
    while (running || pending.size > 0) {
      if (pending.size > 0) {
        const { rows } = await stack.pool.query<{ id: string }>(
          'SELECT touchpoint_id AS id FROM projection_touchpoints WHERE touchpoint_id = ANY($1::text[])',
          [[...pending.keys()]],
        );
        const now = performance.now();
        for (const { id } of rows) {
          latencies.push(now - (pending.get(id) ?? now));
          pending.delete(id);
        }
      }
      await sleep(10);
    }
  })();
  return {
    expect: (id, since) => pending.set(id, since),
    stop: async () => {
      running = false;
      await loop;
      return latencies;
    },
  };
}

/**
 * Open loop at `rate` touchpoints/s for `seconds`: every tick posts a small batch without waiting
 * for earlier ones; once ingestion answers, a separate client asks the query service for the
 * batch's last customer with `minPosition` = that touchpoint's position, and the latency is from
 * the ingestion answer to the query answer. The harness also polls the ledger for the same
 * touchpoint, which tells the projector's share from the query service's.
 */
async function openLoop(
  stack: Stack,
  ingestion: ChildService,
  query: ChildService,
  rate: number,
  seconds: number,
  prefix: string,
): Promise<OpenLoopRun> {
  const perTick = Math.max(1, Math.round((rate * TICK_MS) / 1000));
  const ticks = Math.round((seconds * 1000) / TICK_MS);
  const writer = new HttpClient(ingestion.url, 64, ingestion.key);
  const reader = new HttpClient(query.url, 256, query.key);
  const latencies: number[] = [];
  const postLatencies: number[] = [];
  let failures = 0;
  const ledger = ledgerWatch(stack);
  const one = async (k: number): Promise<void> => {
    const list = touchpoints(prefix, k * perTick, perTick, 5_000);
    const sent = performance.now();
    const answer = expectStatus(
      await writer.post('/v1/touchpoints/batch', JSON.stringify({ touchpoints: list })),
      202,
      'ingestion',
    );
    const acknowledged = performance.now();
    postLatencies.push(acknowledged - sent);
    const last = (JSON.parse(answer.body) as BatchAnswer).results.at(-1);
    ledger.expect(last?.touchpointId ?? '', acknowledged);
    const customer = list.at(-1)?.customerId ?? '';
    const read = await reader.get(
      `/v1/customers/${encodeURIComponent(customer)}?minPosition=${last?.position ?? 0}&waitMs=10000`,
    );
    if (read.status === 200) latencies.push(performance.now() - acknowledged);
    else failures += 1;
  };
  const meter = new CpuMeter(stack.cpuSources());
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let k = 0; k < ticks; k++) {
    const wait = started + k * TICK_MS - performance.now();
    if (wait > 0) await sleep(wait);
    inFlight.push(one(k).catch(() => void (failures += 1)));
  }
  await Promise.all(inFlight);
  const ledgerLatencies = await ledger.stop();
  const cpu = meter.stop();
  writer.close();
  reader.close();
  return { latencies, ledgerLatencies, postLatencies, failures, cpu };
}

/** Measured on a quiet system only: whatever came before must be applied first. */
function caughtUp(stack: Stack): Promise<void> {
  return until(
    'the projector to apply every stored event',
    async () => {
      const { rows } = await stack.pool.query<{ behind: boolean }>(
        `SELECT (SELECT count(*) FROM touchpoint_events) >
                (SELECT count(*) FROM projection_touchpoints) AS behind`,
      );
      return rows[0]?.behind === false;
    },
    300_000,
    100,
  );
}

/**
 * 7. Freshness at fixed open-loop arrival rates, ingestion + projector + query running: latency
 * from the ingestion answer to the read model showing the touchpoint (read-your-writes through
 * the query service, so it includes one GET round trip).
 */
export async function freshnessStage(ctx: StageContext, live: LiveServices): Promise<StageRow[]> {
  const { stack, settings, log } = ctx;
  const { rates, seconds } = settings.freshness;
  const { ingestion, query } = live;
  const rows: StageRow[] = [];
  await caughtUp(stack);
  // Warm up every path (connections, JIT) at the lowest rate, untimed.
  await openLoop(stack, ingestion, query, Math.min(...rates), 1, 'fw');
  for (const rate of rates) {
    await caughtUp(stack);
    log(`freshness: ${n(rate)} touchpoints/s for ${seconds} s`);
    const run = await openLoop(stack, ingestion, query, rate, seconds, `f${rate}`);
    const p50 = percentile(run.latencies, 50);
    const p99 = percentile(run.latencies, 99);
    const perTick = Math.max(1, Math.round((rate * TICK_MS) / 1000));
    rows.push({
      stage: `7. freshness at ${n(rate)}/s`,
      settings: `${seconds} s open loop, ${perTick} per request every ${TICK_MS} ms`,
      product:
        `p50 ${fmt(p50, 1)} ms · p99 ${fmt(p99, 1)} ms · max ${fmt(Math.max(...run.latencies), 1)} ms` +
        ` (in the ledger: p50 ${fmt(percentile(run.ledgerLatencies, 50), 1)} ms, p99 ` +
        `${fmt(percentile(run.ledgerLatencies, 99), 1)} ms; ingestion answer p50 ` +
        `${fmt(percentile(run.postLatencies, 50), 1)} ms` +
        `${run.failures > 0 ? `, ${run.failures} failed` : ''})`,
      reference: '—',
      ratio: null,
      target: rate === 1000 ? 'p50 ≤ 10 ms, p99 ≤ 50 ms at 1,000/s' : 'report only',
      met: rate === 1000 ? p50 <= 10 && p99 <= 50 && run.failures === 0 : null,
      cpu: { product: run.cpu, reference: null },
      data: {
        p50,
        p99,
        samples: run.latencies.length,
        failures: run.failures,
        ledgerP50: percentile(run.ledgerLatencies, 50),
        ledgerP99: percentile(run.ledgerLatencies, 99),
        ingestP50: percentile(run.postLatencies, 50),
        ingestP99: percentile(run.postLatencies, 99),
      },
    });
  }
  return rows;
}
