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
  type MomentOfTruth,
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
  ANALYTICS_PASSAGES,
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

const ANSWER_SUMS = [
  'nps_answers',
  'promoters',
  'detractors',
  'csat_answers',
  'satisfied',
  'ces_answers',
  'ces_sum',
] as const;

const ms = (column: string): string => `timestamptz 'epoch' + ${column} * interval '1 millisecond'`;

const CELL_GRAINS = ['q', 'h', 'd'] as const;

/** The SQL of a set of pieces: the CTEs and the cell scans, and the parameters they take. */
interface PiecesSql {
  /** `p(bucket, grain, s, e)`: every piece; `pb`: each cell piece's bucket by rank in its grain. */
  readonly cte: string;
  readonly params: readonly unknown[];
  /**
   * The cells of a table inside the pieces, summed per piece and key, with the piece's bucket:
   * per grain present, one range scan of the primary key between constants, each cell placed in
   * its piece by a binary search over the pieces' starts — rather than one scan per piece (a year
   * of Madrid days is 365 pieces) or a join the planner cannot bound. Buckets come after summing.
   */
  cells(table: string, where: string, keys: readonly string[], sums: readonly string[]): string;
}

/** `first` is the number of the first parameter the pieces take (the query's own come before). */
function piecesSql(pieces: readonly TimePiece[], first: number): PiecesSql {
  const params: unknown[] = [];
  const ref = (value: unknown): string => {
    params.push(value);
    return `$${first + params.length - 1}`;
  };
  const cte = `p AS (
  SELECT bucket, grain, ${ms('s')} AS s, ${ms('e')} AS e
    FROM unnest(${ref(pieces.map((p) => p.bucket))}::text[], ${ref(pieces.map((p) => p.grain))}::text[],
                ${ref(pieces.map((p) => p.start))}::bigint[], ${ref(pieces.map((p) => p.end))}::bigint[])
         AS p(bucket, grain, s, e)),
pb AS (
  SELECT grain::"char" AS grain, bucket, row_number() OVER (PARTITION BY grain ORDER BY s) AS i
    FROM p WHERE grain <> 'r')`;
  const iso = (ms: number): string => new Date(ms).toISOString();
  const grains = CELL_GRAINS.flatMap((grain) => {
    // In time order already: segments come in order, and so do the pieces of each.
    const own = pieces.filter((p) => p.grain === grain);
    const head = own[0];
    const last = own[own.length - 1];
    if (head === undefined || last === undefined) return [];
    const covered = own.reduce((sum, p) => sum + (p.end - p.start), 0);
    // Pieces spread thin over their range (a month's edges) are read one by one, each by its own
    // index range (OFFSET 0 keeps the planner from turning that into one scan of the whole range).
    const dense = covered >= (last.end - head.start) / 2;
    return [
      {
        grain,
        dense,
        starts: ref(own.map((p) => iso(p.start))),
        ends: ref(own.map((p) => iso(p.end))),
        lo: dense ? ref(iso(head.start)) : '',
        hi: dense ? ref(iso(last.end)) : '',
      },
    ];
  });
  return {
    cte,
    params,
    cells(table, where, keys, sums) {
      const k = (prefix: string): string => keys.map((key) => `, ${prefix}.${key}`).join('');
      const summed = sums.map((sum) => `, sum(x.${sum}) AS ${sum}`).join('');
      const scans = grains.map((g) =>
        g.dense
          ? `SELECT '${g.grain}'::"char" AS grain, x.i${k('x')}${summed}
      FROM (SELECT c.*, width_bucket(c.slot, ${g.starts}::timestamptz[]) AS i FROM ${table} c
             WHERE c.grain = '${g.grain}' ${where}
               AND c.slot >= ${g.lo}::timestamptz AND c.slot < ${g.hi}::timestamptz) x
     WHERE x.slot < (${g.ends}::timestamptz[])[x.i]
     GROUP BY x.i${k('x')}`
          : `SELECT '${g.grain}'::"char" AS grain, q.i${k('x')}${summed}
      FROM unnest(${g.starts}::timestamptz[], ${g.ends}::timestamptz[]) WITH ORDINALITY AS q(s, e, i)
      CROSS JOIN LATERAL (SELECT c.* FROM ${table} c
             WHERE c.grain = '${g.grain}' ${where} AND c.slot >= q.s AND c.slot < q.e
             OFFSET 0) x
     GROUP BY q.i${k('x')}`,
      );
      if (scans.length === 0) {
        return `(SELECT NULL::text AS bucket${keys.map((key) => `, NULL AS ${key}`).join('')}${sums.map((sum) => `, 0 AS ${sum}`).join('')} WHERE false)`;
      }
      return `(SELECT pb.bucket${k('g')}${sums.map((sum) => `, g.${sum}`).join('')}
     FROM (${scans.join('\n UNION ALL ')}) g
     JOIN pb ON pb.grain = g.grain AND pb.i = g.i)`;
    },
  };
}

/** Rows (`a`) of a facts table whose time falls in the pieces read from facts: the ragged ends. */
function factsInPieces(from: string, time: string): string {
  return `p CROSS JOIN LATERAL (
      SELECT * FROM ${from} WHERE ${time} >= p.s AND ${time} < p.e) a
     WHERE p.grain = 'r'`;
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
    const own = [dim, m.npsPromoterMin, m.npsDetractorMax, m.csatSatisfiedMin];
    const at = piecesSql(pieces, own.length + 1);
    const { rows } = await this.pool.query<CountersRow>(
      `WITH ${at.cte},
       counted AS (
         SELECT bucket, value AS grp, nps_answers, promoters, detractors, csat_answers,
                satisfied, ces_answers, ces_sum
           FROM ${at.cells(ANALYTICS_ANSWER_CELLS.name, 'AND c.dim = $1', ['value'], ANSWER_SUMS)} x
         UNION ALL
         SELECT p.bucket, ${ANSWER_GROUP_SQL[dim]},
                (a.nps IS NOT NULL)::int, (a.nps >= $2)::int, (a.nps <= $3)::int,
                (a.csat IS NOT NULL)::int, (a.csat >= $4)::int,
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
      [...own, ...at.params],
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
    const at = piecesSql(pieces, 2);
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
            `WITH ${at.cte},
             counted AS (
               SELECT bucket, value AS grp, currency, amount, purchases
                 FROM ${at.cells(ANALYTICS_REVENUE_CELLS.name, 'AND c.dim = $1', ['value', 'currency'], ['amount', 'purchases'])} x
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
            [dim, ...at.params],
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
    const at = piecesSql(pieces, 1);
    const { rows } = await this.pool.query<{
      bucket: string | null;
      cancellations: string;
      lost: string;
    }>(
      `WITH ${at.cte},
       counted AS (
         SELECT bucket, cancellations, lost
           FROM ${at.cells(ANALYTICS_CHURN_CELLS.name, '', [], ['cancellations', 'lost'])} x
         UNION ALL
         SELECT p.bucket, 1, 0
           FROM ${factsInPieces(`${ANALYTICS_CANCELLATIONS.name} f`, 'f.occurred_at')}
         UNION ALL
         SELECT p.bucket, 0, 1
           FROM ${factsInPieces(`${ANALYTICS_CUSTOMERS.name} f`, 'f.lost_at')})
       SELECT bucket, sum(cancellations) AS cancellations, sum(lost) AS lost
         FROM counted GROUP BY bucket HAVING sum(cancellations) + sum(lost) > 0`,
      [...at.params],
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
    const at = piecesSql(piecesOf(null, from, to), 1);
    const { rows } = await this.pool.query<{ stage: Stage; entered: string; rose: string }>(
      `WITH ${at.cte},
       counted AS (
         SELECT stage, entered, rose
           FROM ${at.cells(ANALYTICS_ENTRY_CELLS.name, '', ['stage'], ['entered', 'rose'])} x
         UNION ALL
         SELECT a.stage, 1, a.rose::int
           FROM ${factsInPieces(`${ANALYTICS_STAGE_ENTRIES.name} f`, 'f.entered_at')})
       SELECT stage, sum(entered) AS entered, sum(rose) AS rose FROM counted GROUP BY stage`,
      [...at.params],
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

  /**
   * Moments of truth per touchpoint name over the passages inside the window (the library's
   * `momentsOfTruth`): a customer counts once per name, dropped or rose if after any passage.
   */
  async momentsOfTruth(from: number, to: number): Promise<MomentOfTruth[]> {
    const { rows } = await this.pool.query<{
      name: string;
      customers: string;
      dropped: string;
      rose: string;
      valence: string | null;
      signals: string;
      flagged: boolean;
    }>(
      `WITH per_customer AS (
         SELECT customer_id, touchpoint_name, bool_or(flagged) AS flagged, bool_or(dropped) AS dropped,
                bool_or(rose) AS rose, sum(valence_sum) AS valence, sum(signals) AS signals
           FROM ${ANALYTICS_PASSAGES.name}
          WHERE occurred_at >= ${ms('$1::bigint')} AND occurred_at < ${ms('$2::bigint')}
          GROUP BY customer_id, touchpoint_name)
       SELECT touchpoint_name AS name, count(*) AS customers,
              count(*) FILTER (WHERE dropped) AS dropped, count(*) FILTER (WHERE rose) AS rose,
              sum(valence)::text AS valence, sum(signals) AS signals, bool_or(flagged) AS flagged
         FROM per_customer GROUP BY touchpoint_name`,
      [from, to],
    );
    return rows
      .map((r): MomentOfTruth => {
        const customers = Number(r.customers);
        const dropShare = round9(Number(r.dropped) / customers);
        const riseShare = round9(Number(r.rose) / customers);
        const signals = Number(r.signals);
        return {
          touchpointName: r.name,
          customers,
          meanValence: signals === 0 ? null : round9(Number(r.valence) / signals),
          dropShare,
          riseShare,
          impact: round9(dropShare + riseShare),
          flagged: r.flagged,
        };
      })
      .sort((a, b) => b.impact - a.impact || compareIds(a.touchpointName, b.touchpointName));
  }
}

function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return compareIds(a, b);
}
