import type { Pool } from 'pg';
import {
  compareIds,
  DEFAULT_JOURNEY_DEFINITION,
  experienceRowOf,
  funnelOfCounts,
  round9,
  STAGES,
  type BucketSegment,
  type ChurnRow,
  type ComplaintMetrics,
  type CustomerValue,
  type ExperienceMetricsRow,
  type Funnel,
  type GroupBy,
  type LifecycleStatus,
  type PerceptionGapRow,
  type RevenueRow,
  type Stage,
  type StageConversion,
  type StageValue,
} from '@cx/domain';
import { piecesOf } from './analytics-pieces';
import {
  ANALYTICS_ANSWER_CELLS,
  ANALYTICS_ANSWERS,
  ANALYTICS_CANCELLATIONS,
  ANALYTICS_CHURN_CELLS,
  ANALYTICS_COMPLAINTS,
  ANALYTICS_CUSTOMER_VALUE,
  ANALYTICS_CUSTOMERS,
  ANALYTICS_ENTRY_CELLS,
  ANALYTICS_PERCEPTION_TOTALS,
  ANALYTICS_PURCHASES,
  ANALYTICS_REVENUE_CELLS,
  ANALYTICS_STAGE_COUNTS,
  ANALYTICS_STAGE_ENTRIES,
  ANALYTICS_VALUE_BY_STAGE,
} from './schema/analytics.schema';
import type { TimePiece } from './analytics-pieces';

interface CountersRow {
  bucket: string | null;
  grp: string;
  nps_answers: string;
  promoters: string;
  detractors: string;
  csat_answers: string;
  satisfied: string;
  ces_answers: string;
  ces_sum: string;
}

interface ComplaintCountsRow {
  grp: string;
  opened: string;
  resolved: string;
  open_now: string;
  within: string;
  median_ms: string | null;
  p90_ms: string | null;
}

export interface ComplaintMetricsRow extends ComplaintMetrics {
  /** The channel of the complaints' counted openings; null when not grouping. */
  readonly group: string | null;
}

/** How each groupBy reads from a fact row (`a`, with its customer's `stage`); our own SQL only. */
const ANSWER_GROUP_SQL: Readonly<Record<GroupBy | '', string>> = {
  '': "''",
  channel: 'a.channel',
  category: 'a.category',
  pillar: "coalesce(a.pillar, '')",
  touchpointName: "coalesce(a.touchpoint_name, '')",
  stage: 'a.stage',
};

const ms = (column: string): string => `timestamptz 'epoch' + ${column} * interval '1 millisecond'`;

/**
 * The pieces as `p(bucket, grain, s, e)` (parameters $1–$4), and per grain of cells `pc`: the
 * pieces' sorted starts, ends and buckets, and the range they span.
 */
const PIECES_CTE = `p AS (
  SELECT bucket, grain, ${ms('s')} AS s, ${ms('e')} AS e
    FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[]) AS p(bucket, grain, s, e)),
pc AS (
  SELECT grain::"char" AS grain, array_agg(s ORDER BY s) AS starts, array_agg(e ORDER BY s) AS ends,
         array_agg(bucket ORDER BY s) AS buckets, min(s) AS lo, max(e) AS hi
    FROM p WHERE grain <> 'r' GROUP BY grain)`;

/**
 * The cells (`x`) of a table inside the pieces, with their bucket `pc.buckets[x.i]`: one range
 * scan of the primary key per grain, each cell placed in its piece by binary search, rather than
 * one scan per piece (a year of Madrid days is 365 pieces) or a join the planner may not index.
 */
function cellsInPieces(table: string, where = ''): string {
  return `pc CROSS JOIN LATERAL (
      SELECT c.*, width_bucket(c.slot, pc.starts) AS i FROM ${table} c
       WHERE c.grain = pc.grain ${where} AND c.slot >= pc.lo AND c.slot < pc.hi) x
     WHERE x.slot < pc.ends[x.i]`;
}

/** Rows (`a`) of a facts table whose time falls in the pieces read from facts: the ragged ends. */
function factsInPieces(from: string, time: string): string {
  return `p CROSS JOIN LATERAL (
      SELECT * FROM ${from} WHERE ${time} >= p.s AND ${time} < p.e) a
     WHERE p.grain = 'r'`;
}

function pieceParams(pieces: readonly TimePiece[]): unknown[] {
  return [
    pieces.map((p) => p.bucket),
    pieces.map((p) => p.grain),
    pieces.map((p) => p.start),
    pieces.map((p) => p.end),
  ];
}

/** An exact decimal from Postgres as the nearest double, rounded as the library rounds. */
const decimal = (text: string): number => round9(Number(text));

export interface RevenueFigures {
  readonly rows: RevenueRow[];
  /** Mean lifetime value to date per current stage and currency (not limited to the window). */
  readonly valueByStage: StageValue[];
}

export interface FunnelFigures extends Funnel {
  /** Entries into each stage inside the window, and those followed by a rise. */
  readonly entries: StageConversion[];
}

/** The organisation's CX figures, read from the analytics cells (never from the event store). */
export class AnalyticsQueries {
  constructor(private readonly pool: Pool) {}

  /** NPS, CSAT and CES per bucket and group: the library's `experienceMetrics` rows. */
  async experienceMetrics(
    segments: readonly BucketSegment[],
    groupBy: GroupBy | undefined,
  ): Promise<ExperienceMetricsRow[]> {
    const pieces = segments.flatMap((s) => piecesOf(s.bucket, s.start, s.end));
    if (pieces.length === 0) return [];
    const m = DEFAULT_JOURNEY_DEFINITION.metrics;
    const dim = groupBy ?? '';
    const { rows } = await this.pool.query<CountersRow>(
      `WITH ${PIECES_CTE},
       counted AS (
         SELECT pc.buckets[x.i] AS bucket, x.value AS grp, x.nps_answers, x.promoters,
                x.detractors, x.csat_answers, x.satisfied, x.ces_answers, x.ces_sum
           FROM ${cellsInPieces(ANALYTICS_ANSWER_CELLS.name, 'AND c.dim = $5')}
         UNION ALL
         SELECT p.bucket, ${ANSWER_GROUP_SQL[dim]},
                (a.nps IS NOT NULL)::int, (a.nps >= $6)::int, (a.nps <= $7)::int,
                (a.csat IS NOT NULL)::int, (a.csat >= $8)::int,
                (a.ces IS NOT NULL)::int, coalesce(a.ces, 0)
           FROM ${factsInPieces(
             dim === 'stage'
               ? `(SELECT f.*, c.stage FROM ${ANALYTICS_ANSWERS.name} f JOIN ${ANALYTICS_CUSTOMERS.name} c ON c.customer_id = f.customer_id) f`
               : `${ANALYTICS_ANSWERS.name} f`,
             'f.occurred_at',
           )})
       SELECT bucket, grp, sum(nps_answers) AS nps_answers, sum(promoters) AS promoters,
              sum(detractors) AS detractors, sum(csat_answers) AS csat_answers,
              sum(satisfied) AS satisfied, sum(ces_answers) AS ces_answers, sum(ces_sum) AS ces_sum
         FROM counted GROUP BY bucket, grp
       HAVING sum(nps_answers) + sum(csat_answers) + sum(ces_answers) > 0`,
      [
        pieces.map((p) => p.bucket),
        pieces.map((p) => p.grain),
        pieces.map((p) => p.start),
        pieces.map((p) => p.end),
        dim,
        m.npsPromoterMin,
        m.npsDetractorMax,
        m.csatSatisfiedMin,
      ],
    );
    return rows
      .map((r) =>
        experienceRowOf(r.bucket, groupBy === undefined || r.grp === '' ? null : r.grp, {
          npsAnswers: Number(r.nps_answers),
          promoters: Number(r.promoters),
          detractors: Number(r.detractors),
          csatAnswers: Number(r.csat_answers),
          satisfied: Number(r.satisfied),
          cesAnswers: Number(r.ces_answers),
          cesSum: Number(r.ces_sum),
        }),
      )
      .sort((a, b) => compareNullable(a.bucket, b.bucket) || compareNullable(a.group, b.group));
  }

  /**
   * Complaints opened, resolved and open at the window's end, with the times to resolve, as the
   * library's `complaintMetrics` (or, by channel, `complaintMetricsByChannel`) counts them.
   */
  async complaints(from: number, to: number, byChannel: boolean): Promise<ComplaintMetricsRow[]> {
    const grp = byChannel ? 'channel' : "''";
    const { rows } = await this.pool.query<ComplaintCountsRow>(
      `WITH w AS (SELECT ${ms('$1::bigint')} AS f, ${ms('$2::bigint')} AS t),
       relevant AS (
         SELECT ${grp} AS grp, x.opened_at, x.resolved_at, x.resolve_ms, x.within_sla,
                x.resolved_at >= w.f AND x.resolved_at < w.t AS resolved_in
           FROM ${ANALYTICS_COMPLAINTS.name} x, w
          WHERE x.opened_at < w.t OR (x.resolved_at >= w.f AND x.resolved_at < w.t)),
       counts AS (
         SELECT grp,
                count(*) FILTER (WHERE opened_at >= w.f AND opened_at < w.t) AS opened,
                count(*) FILTER (WHERE resolved_in) AS resolved,
                count(*) FILTER (WHERE opened_at < w.t AND (resolved_at IS NULL OR resolved_at >= w.t)) AS open_now,
                count(*) FILTER (WHERE resolved_in AND within_sla) AS within
           FROM relevant, w GROUP BY grp),
       ranked AS (
         SELECT grp, resolve_ms, row_number() OVER (PARTITION BY grp ORDER BY resolve_ms) AS rn,
                count(*) OVER (PARTITION BY grp) AS n
           FROM relevant WHERE resolved_in)
       SELECT c.grp, c.opened, c.resolved, c.open_now, c.within,
              (SELECT resolve_ms FROM ranked r WHERE r.grp = c.grp AND r.rn = $3::bigint * r.n / 100 + ($3::bigint * r.n % 100 > 0)::int) AS median_ms,
              (SELECT resolve_ms FROM ranked r WHERE r.grp = c.grp AND r.rn = $4::bigint * r.n / 100 + ($4::bigint * r.n % 100 > 0)::int) AS p90_ms
         FROM counts c`,
      [from, to, 50, 90],
    );
    const found = rows
      .map((r): ComplaintMetricsRow => ({
        group: byChannel ? r.grp : null,
        opened: Number(r.opened),
        resolved: Number(r.resolved),
        openNow: Number(r.open_now),
        medianSecondsToResolve: r.median_ms === null ? null : Number(r.median_ms) / 1000,
        p90SecondsToResolve: r.p90_ms === null ? null : Number(r.p90_ms) / 1000,
        withinSlaShare:
          Number(r.resolved) === 0 ? null : round9(Number(r.within) / Number(r.resolved)),
      }))
      .filter((r) => !byChannel || r.opened + r.resolved + r.openNow > 0)
      .sort((a, b) => compareNullable(a.group, b.group));
    if (byChannel || found.length > 0) return found;
    return [
      {
        group: null,
        opened: 0,
        resolved: 0,
        openNow: 0,
        medianSecondsToResolve: null,
        p90SecondsToResolve: null,
        withinSlaShare: null,
      },
    ];
  }

  /** Revenue per bucket, group and currency (the library's `revenue`), and mean CLV per stage. */
  async revenue(
    segments: readonly BucketSegment[],
    groupBy: GroupBy | undefined,
  ): Promise<RevenueFigures> {
    const pieces = segments.flatMap((s) => piecesOf(s.bucket, s.start, s.end));
    const dim = groupBy ?? '';
    const { rows } =
      pieces.length === 0
        ? { rows: [] }
        : await this.pool.query<{
            bucket: string | null;
            grp: string;
            currency: string;
            amount: string;
            purchases: string;
          }>(
            `WITH ${PIECES_CTE},
             counted AS (
               SELECT pc.buckets[x.i] AS bucket, x.value AS grp, x.currency, x.amount, x.purchases
                 FROM ${cellsInPieces(ANALYTICS_REVENUE_CELLS.name, 'AND c.dim = $5')}
               UNION ALL
               SELECT p.bucket, ${ANSWER_GROUP_SQL[dim]}, a.currency, a.amount, 1
                 FROM ${factsInPieces(
                   dim === 'stage'
                     ? `(SELECT f.*, c.stage FROM ${ANALYTICS_PURCHASES.name} f JOIN ${ANALYTICS_CUSTOMERS.name} c ON c.customer_id = f.customer_id) f`
                     : `${ANALYTICS_PURCHASES.name} f`,
                   'f.occurred_at',
                 )})
             SELECT bucket, grp, currency, round(sum(amount), 9)::text AS amount,
                    sum(purchases) AS purchases
               FROM counted GROUP BY bucket, grp, currency HAVING sum(purchases) > 0`,
            [...pieceParams(pieces), dim],
          );
    const { rows: byStage } = await this.pool.query<{
      stage: Stage;
      currency: string;
      customers: string;
      mean: string;
    }>(
      `SELECT stage, currency, customers, round(amount / customers, 9)::text AS mean
         FROM ${ANALYTICS_VALUE_BY_STAGE.name} WHERE customers > 0`,
    );
    const rank = new Map<string, number>(STAGES.map((stage, i) => [stage, i]));
    return {
      rows: rows
        .map((r): RevenueRow => ({
          bucket: r.bucket,
          group: groupBy === undefined || r.grp === '' ? null : r.grp,
          currency: r.currency,
          amount: decimal(r.amount),
          purchases: Number(r.purchases),
        }))
        .sort(
          (a, b) =>
            compareNullable(a.bucket, b.bucket) ||
            compareNullable(a.group, b.group) ||
            compareIds(a.currency, b.currency),
        ),
      valueByStage: byStage
        .map((r): StageValue => ({
          stage: r.stage,
          currency: r.currency,
          customers: Number(r.customers),
          meanValue: decimal(r.mean),
        }))
        .sort(
          (a, b) =>
            (rank.get(a.stage) ?? 0) - (rank.get(b.stage) ?? 0) ||
            compareIds(a.currency, b.currency),
        ),
    };
  }

  /** A customer's lifetime value to date per currency; null for a customer with no touchpoint. */
  async customerValue(customerId: string): Promise<CustomerValue[] | null> {
    const { rows } = await this.pool.query<{
      currency: string | null;
      amount: string | null;
      purchases: string | null;
    }>(
      `SELECT v.currency, v.amount::text AS amount, v.purchases
         FROM ${ANALYTICS_CUSTOMERS.name} c
         LEFT JOIN ${ANALYTICS_CUSTOMER_VALUE.name} v ON v.customer_id = c.customer_id
        WHERE c.customer_id = $1 AND c.stage <> ''`,
      [customerId],
    );
    if (rows.length === 0) return null;
    return rows
      .flatMap((r) =>
        r.currency === null || r.amount === null
          ? []
          : [{ currency: r.currency, amount: decimal(r.amount), purchases: Number(r.purchases) }],
      )
      .sort((a, b) => compareIds(a.currency, b.currency));
  }

  /** Cancellations and customers lost per bucket (the library's `churn`). */
  async churn(segments: readonly BucketSegment[]): Promise<ChurnRow[]> {
    const pieces = segments.flatMap((s) => piecesOf(s.bucket, s.start, s.end));
    if (pieces.length === 0) return [];
    const { rows } = await this.pool.query<{
      bucket: string | null;
      cancellations: string;
      lost: string;
    }>(
      `WITH ${PIECES_CTE},
       counted AS (
         SELECT pc.buckets[x.i] AS bucket, x.cancellations, x.lost
           FROM ${cellsInPieces(ANALYTICS_CHURN_CELLS.name)}
         UNION ALL
         SELECT p.bucket, 1, 0
           FROM ${factsInPieces(`${ANALYTICS_CANCELLATIONS.name} f`, 'f.occurred_at')}
         UNION ALL
         SELECT p.bucket, 0, 1
           FROM ${factsInPieces(`${ANALYTICS_CUSTOMERS.name} f`, 'f.lost_at')})
       SELECT bucket, sum(cancellations) AS cancellations, sum(lost) AS lost
         FROM counted GROUP BY bucket HAVING sum(cancellations) + sum(lost) > 0`,
      pieceParams(pieces),
    );
    return rows
      .map((r) => ({
        bucket: r.bucket,
        cancellations: Number(r.cancellations),
        lostCustomers: Number(r.lost),
      }))
      .sort((a, b) => compareNullable(a.bucket, b.bucket));
  }

  /** Customers per current stage and status, and the window's stage entries and rises. */
  async funnel(from: number, to: number): Promise<FunnelFigures> {
    const { rows: counts } = await this.pool.query<{
      stage: Stage;
      status: LifecycleStatus;
      customers: string;
    }>(`SELECT stage, status, customers FROM ${ANALYTICS_STAGE_COUNTS.name} WHERE customers > 0`);
    const current = funnelOfCounts(
      counts.map((r) => ({ stage: r.stage, status: r.status, customers: Number(r.customers) })),
    );
    const pieces = piecesOf(null, from, to);
    const { rows } = await this.pool.query<{ stage: Stage; entered: string; rose: string }>(
      `WITH ${PIECES_CTE},
       counted AS (
         SELECT x.stage, x.entered, x.rose
           FROM ${cellsInPieces(ANALYTICS_ENTRY_CELLS.name)}
         UNION ALL
         SELECT a.stage, 1, a.rose::int
           FROM ${factsInPieces(`${ANALYTICS_STAGE_ENTRIES.name} f`, 'f.entered_at')})
       SELECT stage, sum(entered) AS entered, sum(rose) AS rose FROM counted GROUP BY stage`,
      pieceParams(pieces),
    );
    const found = new Map(rows.map((r) => [r.stage, r]));
    return {
      ...current,
      entries: STAGES.slice(0, -1).map((stage) => {
        const entered = Number(found.get(stage)?.entered ?? 0);
        const rose = Number(found.get(stage)?.rose ?? 0);
        return { stage, entered, rose, rate: entered === 0 ? null : round9(rose / entered) };
      }),
    };
  }

  /** The perception gap (§6) per touchpoint name or channel, over all pairs to date. */
  async perceptionGap(groupBy: 'touchpointName' | 'channel'): Promise<PerceptionGapRow[]> {
    const { rows } = await this.pool.query<{
      value: string;
      pairs: string;
      company_sum: string;
      customer_sum: string;
    }>(
      `SELECT value, pairs, company_sum, customer_sum::text AS customer_sum
         FROM ${ANALYTICS_PERCEPTION_TOTALS.name} WHERE dim = $1 AND pairs > 0`,
      [groupBy],
    );
    return rows
      .map((r): PerceptionGapRow => {
        const pairs = Number(r.pairs);
        const company = Number(r.company_sum) / pairs;
        const customer = Number(r.customer_sum) / pairs;
        return {
          key: groupBy === 'touchpointName' && r.value === '' ? null : r.value,
          pairs,
          companyMean: round9(company),
          customerMean: round9(customer),
          gap: round9(company - customer),
        };
      })
      .sort((a, b) => compareNullable(a.key, b.key));
  }
}

function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return compareIds(a, b);
}
