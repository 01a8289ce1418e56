import type { Pool, QueryResult } from 'pg';
import { bucketSegments, type BucketSize, type GroupBy } from '@cx/domain';
import { AnalyticsQueries } from '@cx/read-models';
import { expectStatus, type HttpClient } from '../http-client';
import { interleave, median, percentile } from '../stats';
import { YEAR_FROM, YEAR_TO } from './dataset';

/** One `GET /v1/metrics` request the bench times. */
export interface MetricsCase {
  readonly key: string;
  readonly label: string;
  readonly from: string;
  readonly to: string;
  readonly interval?: BucketSize;
  readonly groupBy?: GroupBy;
  readonly timeZone?: string;
}

export const METRICS_CASES: readonly MetricsCase[] = [
  { key: 'year', label: 'year, no interval', from: YEAR_FROM, to: YEAR_TO },
  {
    key: 'week-channel',
    label: 'year by week, by channel, UTC',
    from: YEAR_FROM,
    to: YEAR_TO,
    interval: 'week',
    groupBy: 'channel',
    timeZone: 'UTC',
  },
  {
    key: 'day-madrid',
    label: 'year by day, Europe/Madrid',
    from: YEAR_FROM,
    to: YEAR_TO,
    interval: 'day',
    timeZone: 'Europe/Madrid',
  },
  {
    key: 'month-stage-kathmandu',
    label: 'year by month, by stage, Asia/Kathmandu',
    from: YEAR_FROM,
    to: YEAR_TO,
    interval: 'month',
    groupBy: 'stage',
    timeZone: 'Asia/Kathmandu',
  },
  {
    key: 'ragged-day-name',
    label: 'ragged window by day, by touchpointName, UTC',
    from: '2025-02-03T07:13:27Z',
    to: '2025-11-19T16:41:05Z',
    interval: 'day',
    groupBy: 'touchpointName',
  },
];

/** The case whose SQL is also timed straight on pg and explained. */
export const SQL_CASE_KEY = 'day-madrid';

export function pathOf(c: MetricsCase): string {
  const query = new URLSearchParams({ from: c.from, to: c.to });
  if (c.interval !== undefined) query.set('interval', c.interval);
  if (c.groupBy !== undefined) query.set('groupBy', c.groupBy);
  if (c.timeZone !== undefined) query.set('timeZone', c.timeZone);
  return `/v1/metrics?${query.toString()}`;
}

export interface CapturedSql {
  readonly text: string;
  readonly values: readonly unknown[];
}

/**
 * The statement the endpoint sends for a case, taken from the read model's own code (the same
 * segments the handler computes) rather than copied here, so that it cannot drift from it.
 */
export async function endpointSql(pool: Pool, c: MetricsCase): Promise<CapturedSql> {
  const seen: CapturedSql[] = [];
  const recorder = {
    query: (text: string, values: unknown[]): Promise<QueryResult> => {
      seen.push({ text, values });
      return pool.query(text, values);
    },
  };
  const segments = bucketSegments(Date.parse(c.from), Date.parse(c.to), c.interval, c.timeZone);
  // Only `query` is called: the recorder stands in for the pool.
  await new AnalyticsQueries(recorder as unknown as Pool).experienceMetrics(segments, c.groupBy);
  const [sql] = seen;
  if (sql === undefined || seen.length !== 1) {
    throw new Error(`expected one statement for ${c.key}, saw ${seen.length}`);
  }
  return sql;
}

export async function explainSql(pool: Pool, sql: CapturedSql): Promise<string> {
  const { rows } = await pool.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN (ANALYZE, BUFFERS) ${sql.text}`,
    [...sql.values],
  );
  return rows.map((r) => r['QUERY PLAN']).join('\n');
}

/**
 * The same statement planned without merge and hash joins (in a transaction rolled back): what
 * reading the cells by their primary key, piece by piece, would cost, beside what the planner chose.
 */
export async function explainWithoutMergeOrHashJoins(
  pool: Pool,
  sql: CapturedSql,
): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL enable_mergejoin = off');
    await client.query('SET LOCAL enable_hashjoin = off');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (ANALYZE, BUFFERS) ${sql.text}`,
      [...sql.values],
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

interface Round {
  readonly latencies: number[];
  readonly rate: number;
}

export interface VariantResult {
  readonly key: string;
  readonly label: string;
  readonly request: string;
  /** Rows of the answer (metrics) or of the result (SQL); null for the health check. */
  readonly rows: number | null;
  readonly bytes: number | null;
  readonly p50: number;
  readonly p99: number;
  readonly rate: number;
  /** Requests timed per round (fewer than asked when a round ran out of time). */
  readonly requests: number;
  readonly rounds: readonly {
    readonly p50: number;
    readonly p99: number;
    readonly rate: number;
    readonly requests: number;
  }[];
}

interface Variant {
  readonly key: string;
  readonly label: string;
  readonly request: string;
  readonly once: () => Promise<{ rows: number | null; bytes: number | null }>;
}

export function variants(http: HttpClient, sqlPool: Pool, sql: CapturedSql): Variant[] {
  const metrics = METRICS_CASES.map((c): Variant => ({
    key: c.key,
    label: c.label,
    request: `GET ${pathOf(c)}`,
    once: async () => {
      const answer = expectStatus(await http.get(pathOf(c)), 200, c.key);
      const body = JSON.parse(answer.body) as { rows?: unknown[] };
      return { rows: body.rows?.length ?? 0, bytes: Buffer.byteLength(answer.body) };
    },
  }));
  const sqlCase = METRICS_CASES.find((c) => c.key === SQL_CASE_KEY);
  return [
    ...metrics,
    {
      key: 'health',
      label: 'HTTP floor: GET /health/live',
      request: 'GET /health/live',
      once: async () => {
        expectStatus(await http.get('/health/live'), 200, 'health');
        return { rows: null, bytes: null };
      },
    },
    {
      key: `sql-${SQL_CASE_KEY}`,
      label: `its SQL on pg: ${sqlCase?.label ?? SQL_CASE_KEY}`,
      request: 'pool.query(the statement of AnalyticsQueries.experienceMetrics)',
      once: async () => {
        const result = await sqlPool.query(sql.text, [...sql.values]);
        return { rows: result.rowCount, bytes: null };
      },
    },
  ];
}

/**
 * `requests` requests by `clients` closed-loop clients, or fewer when `maxSeconds` runs out first
 * (a slow request kind must not hold the run for minutes); `clients` × 4 at least either way.
 */
async function timedRound(
  requests: number,
  clients: number,
  maxSeconds: number,
  once: () => Promise<unknown>,
): Promise<Round> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  const minimum = Math.min(requests, clients * 4);
  let sent = 0;
  const client = async (): Promise<void> => {
    while (sent < requests && (sent < minimum || performance.now() < deadline)) {
      sent++;
      const at = performance.now();
      await once();
      latencies.push(performance.now() - at);
    }
  };
  await Promise.all(Array.from({ length: Math.min(clients, requests) }, client));
  return { latencies, rate: latencies.length / ((performance.now() - started) / 1000) };
}

export interface LatencySettings {
  readonly clients: number;
  readonly requests: number;
  readonly warmUp: number;
  readonly rounds: number;
  /** A round (or warm-up) stops after this long even when its requests are not all sent. */
  readonly maxRoundSeconds: number;
}

/**
 * Warms every variant up, then runs them interleaved (A B C … A B C …), `rounds` times; each
 * figure is the median over the rounds of that round's percentile.
 */
export async function measureVariants(
  all: readonly Variant[],
  settings: LatencySettings,
  log: (line: string) => void,
): Promise<VariantResult[]> {
  const shapes = new Map<string, { rows: number | null; bytes: number | null }>();
  for (const variant of all) {
    shapes.set(variant.key, await variant.once());
    const warm = await timedRound(
      settings.warmUp,
      settings.clients,
      settings.maxRoundSeconds / 2,
      variant.once,
    );
    log(
      `warm-up ${variant.key}: p50 ${percentile(warm.latencies, 50).toFixed(2)} ms, ` +
        `${warm.rate.toFixed(0)}/s`,
    );
  }
  const runs = await interleave(
    settings.rounds,
    Object.fromEntries(
      all.map((variant) => [
        variant.key,
        async (round: number): Promise<Round> => {
          const result = await timedRound(
            settings.requests,
            settings.clients,
            settings.maxRoundSeconds,
            variant.once,
          );
          log(
            `round ${round + 1} ${variant.key}: p50 ${percentile(result.latencies, 50).toFixed(2)} ms, ` +
              `p99 ${percentile(result.latencies, 99).toFixed(2)} ms, ${result.rate.toFixed(0)}/s, ` +
              `${result.latencies.length} requests`,
          );
          return result;
        },
      ]),
    ),
  );
  return all.map((variant) => {
    const rounds = (runs[variant.key] ?? []).map((r) => ({
      p50: percentile(r.latencies, 50),
      p99: percentile(r.latencies, 99),
      rate: r.rate,
      requests: r.latencies.length,
    }));
    const shape = shapes.get(variant.key);
    return {
      key: variant.key,
      label: variant.label,
      request: variant.request,
      rows: shape?.rows ?? null,
      bytes: shape?.bytes ?? null,
      p50: median(rounds.map((r) => r.p50)),
      p99: median(rounds.map((r) => r.p99)),
      rate: median(rounds.map((r) => r.rate)),
      requests: median(rounds.map((r) => r.requests)),
      rounds,
    };
  });
}
