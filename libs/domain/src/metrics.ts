/**
 * CX metrics (§5) and the perception gap (§6) as pure functions over stored touchpoints.
 * Inputs are deduplicated by touchpointId (first version wins) like everywhere else.
 */
import { LIFECYCLE_STATUSES, STAGES, type LifecycleStatus, type Stage } from './assessment';
import { dedupeTouchpoints } from './dedupe';
import { inEventTimeOrder } from './history';
import { DEFAULT_JOURNEY_DEFINITION, type JourneyDefinition } from './journey-definition';
import { compareIds, instantMs, round9 } from './numbers';
import { groupByCustomer } from './profile';
import { settlementsOfOrdered, signalsOfOrdered, type Signal } from './signals';
import type { Touchpoint } from './touchpoint';

export const BUCKET_SIZES = ['day', 'week', 'month'] as const;
export type BucketSize = (typeof BUCKET_SIZES)[number];

export const GROUP_BYS = ['channel', 'category', 'pillar', 'touchpointName', 'stage'] as const;
export type GroupBy = (typeof GROUP_BYS)[number];

export interface MetricsWindow {
  /** inclusive ISO instant; unbounded when absent */
  readonly from?: string;
  /** exclusive ISO instant; unbounded when absent */
  readonly to?: string;
}

export interface MetricsQuery extends MetricsWindow {
  /** no bucket: one bucket (`null`) for the whole window */
  readonly bucket?: BucketSize;
  /** IANA zone for bucket boundaries; UTC when absent */
  readonly timeZone?: string;
  readonly groupBy?: GroupBy;
}

export interface MetricsContext {
  /** The customers' current stages, needed to group by `stage` (see `stagesByCustomer`). */
  readonly stages?: ReadonlyMap<string, Stage>;
  readonly definition?: JourneyDefinition;
}

export interface NpsFigure {
  readonly score: number | null;
  readonly answers: number;
  readonly promoters: number;
  readonly passives: number;
  readonly detractors: number;
}

export interface CsatFigure {
  readonly score: number | null;
  readonly answers: number;
  readonly satisfied: number;
}

export interface CesFigure {
  readonly score: number | null;
  readonly answers: number;
}

export interface ExperienceMetricsRow {
  /** The bucket's first day `YYYY-MM-DD` in the query's zone (weeks start on Monday); null without buckets. */
  readonly bucket: string | null;
  /** The group's value; null for touchpoints without one, and when not grouping. */
  readonly group: string | null;
  readonly nps: NpsFigure;
  readonly csat: CsatFigure;
  readonly ces: CesFigure;
}

interface Window {
  readonly from: number;
  readonly to: number;
}

function windowOf(w: MetricsWindow): Window {
  return {
    from: w.from === undefined ? Number.NEGATIVE_INFINITY : instantMs(w.from),
    to: w.to === undefined ? Number.POSITIVE_INFINITY : instantMs(w.to),
  };
}

function inWindow(at: number, w: Window): boolean {
  return at >= w.from && at < w.to;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function localDate(ms: number, timeZone: string | undefined): [number, number, number] {
  if (timeZone === undefined || timeZone === 'UTC') {
    const d = new Date(ms);
    return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
  }
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  let y = 0;
  let m = 0;
  let d = 0;
  for (const p of f.formatToParts(new Date(ms))) {
    if (p.type === 'year') y = Number(p.value);
    else if (p.type === 'month') m = Number(p.value);
    else if (p.type === 'day') d = Number(p.value);
  }
  return [y, m, d];
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** First calendar day (`YYYY-MM-DD`) of the bucket holding `ms`, in `timeZone` (UTC default). */
export function bucketOf(ms: number, size: BucketSize, timeZone?: string): string {
  const [y, m, d] = localDate(ms, timeZone);
  let start: Date;
  switch (size) {
    case 'day':
      start = new Date(Date.UTC(y, m - 1, d));
      break;
    case 'week': {
      const day = new Date(Date.UTC(y, m - 1, d));
      const sinceMonday = (day.getUTCDay() + 6) % 7;
      start = new Date(Date.UTC(y, m - 1, d - sinceMonday));
      break;
    }
    case 'month':
      start = new Date(Date.UTC(y, m - 1, 1));
      break;
    default: {
      const never: never = size;
      throw new RangeError(`unknown bucket ${String(never)}`);
    }
  }
  return `${pad(start.getUTCFullYear(), 4)}-${pad(start.getUTCMonth() + 1, 2)}-${pad(start.getUTCDate(), 2)}`;
}

function groupValue(
  t: Touchpoint,
  groupBy: GroupBy | undefined,
  ctx: MetricsContext,
): string | null {
  switch (groupBy) {
    case undefined:
      return null;
    case 'channel':
      return t.channel;
    case 'category':
      return t.category;
    case 'pillar':
      return t.pillar ?? null;
    case 'touchpointName':
      return t.touchpointName ?? null;
    case 'stage':
      return ctx.stages?.get(t.customerId) ?? null;
    default: {
      const never: never = groupBy;
      throw new RangeError(`unknown group ${String(never)}`);
    }
  }
}

function compareNullable(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return compareIds(a, b);
}

/** The current stage of every customer, from their profiles, for grouping by stage. */
export function stagesByCustomer(
  profiles: Iterable<{ readonly customerId: string; readonly stage: Stage }>,
): Map<string, Stage> {
  const out = new Map<string, Stage>();
  for (const p of profiles) out.set(p.customerId, p.stage);
  return out;
}

interface Acc {
  npsAnswers: number;
  promoters: number;
  detractors: number;
  csatAnswers: number;
  satisfied: number;
  cesAnswers: number;
  cesSum: number;
}

/** NPS, CSAT and CES with their counts per bucket and group, sorted by bucket then group. */
export function experienceMetrics(
  touchpoints: Iterable<Touchpoint>,
  query: MetricsQuery = {},
  ctx: MetricsContext = {},
): ExperienceMetricsRow[] {
  const d = (ctx.definition ?? DEFAULT_JOURNEY_DEFINITION).metrics;
  const w = windowOf(query);
  const cells = new Map<string, { bucket: string | null; group: string | null; acc: Acc }>();
  for (const t of dedupeTouchpoints(touchpoints).touchpoints) {
    const s = t.survey;
    if (s === undefined || (s.nps === undefined && s.csat === undefined && s.ces === undefined))
      continue;
    const at = instantMs(t.occurredAt);
    if (!inWindow(at, w)) continue;
    const bucket = query.bucket === undefined ? null : bucketOf(at, query.bucket, query.timeZone);
    const group = groupValue(t, query.groupBy, ctx);
    const key = JSON.stringify([bucket, group]);
    let cell = cells.get(key);
    if (cell === undefined) {
      cell = {
        bucket,
        group,
        acc: {
          npsAnswers: 0,
          promoters: 0,
          detractors: 0,
          csatAnswers: 0,
          satisfied: 0,
          cesAnswers: 0,
          cesSum: 0,
        },
      };
      cells.set(key, cell);
    }
    const a = cell.acc;
    if (s.nps !== undefined) {
      a.npsAnswers++;
      if (s.nps >= d.npsPromoterMin) a.promoters++;
      else if (s.nps <= d.npsDetractorMax) a.detractors++;
    }
    if (s.csat !== undefined) {
      a.csatAnswers++;
      if (s.csat >= d.csatSatisfiedMin) a.satisfied++;
    }
    if (s.ces !== undefined) {
      a.cesAnswers++;
      a.cesSum += s.ces;
    }
  }
  return [...cells.values()]
    .sort((x, y) => compareNullable(x.bucket, y.bucket) || compareNullable(x.group, y.group))
    .map(({ bucket, group, acc: a }) => ({
      bucket,
      group,
      nps: {
        score:
          a.npsAnswers === 0 ? null : round9((100 * (a.promoters - a.detractors)) / a.npsAnswers),
        answers: a.npsAnswers,
        promoters: a.promoters,
        passives: a.npsAnswers - a.promoters - a.detractors,
        detractors: a.detractors,
      },
      csat: {
        score: a.csatAnswers === 0 ? null : round9((100 * a.satisfied) / a.csatAnswers),
        answers: a.csatAnswers,
        satisfied: a.satisfied,
      },
      ces: {
        score: a.cesAnswers === 0 ? null : round9(a.cesSum / a.cesAnswers),
        answers: a.cesAnswers,
      },
    }));
}

export interface ComplaintMetrics {
  /** counted openings (a complaint's earliest) inside the window */
  readonly opened: number;
  /** counted resolutions inside the window (by the resolution's occurredAt) */
  readonly resolved: number;
  /** counted openings before the window's end without a counted resolution before it */
  readonly openNow: number;
  readonly medianSecondsToResolve: number | null;
  readonly p90SecondsToResolve: number | null;
  /** within-SLA resolutions ÷ resolutions, both inside the window */
  readonly withinSlaShare: number | null;
}

/** Nearest-rank percentile of ascending values: the ⌈p/100 · n⌉-th smallest. */
export function nearestRank(sortedAscending: readonly number[], p: number): number | null {
  if (sortedAscending.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sortedAscending.length));
  return sortedAscending[rank - 1] ?? null;
}

export function complaintMetrics(
  touchpoints: Iterable<Touchpoint>,
  window: MetricsWindow = {},
  definition: JourneyDefinition = DEFAULT_JOURNEY_DEFINITION,
): ComplaintMetrics {
  const w = windowOf(window);
  let opened = 0;
  let resolved = 0;
  let openNow = 0;
  let within = 0;
  const times: number[] = [];
  for (const history of groupByCustomer(touchpoints).groups.values()) {
    const ordered = inEventTimeOrder(history);
    for (const c of settlementsOfOrdered(ordered, definition).complaints) {
      if (inWindow(c.opened.at, w)) opened++;
      if (c.opened.at < w.to && (c.resolved === null || !(c.resolved.at < w.to))) openNow++;
      if (c.resolved !== null && inWindow(c.resolved.at, w)) {
        resolved++;
        if (c.resolved.withinSla) within++;
        // A resolution dated before its opening (clock skew) counts as resolved at once.
        times.push(Math.max(0, c.resolved.at - c.opened.at) / 1000);
      }
    }
  }
  times.sort((a, b) => a - b);
  return {
    opened,
    resolved,
    openNow,
    medianSecondsToResolve: nearestRank(times, 50),
    p90SecondsToResolve: nearestRank(times, 90),
    withinSlaShare: resolved === 0 ? null : round9(within / resolved),
  };
}

export interface FunnelStep {
  readonly from: Stage;
  readonly to: Stage;
  /** customers at `to` or beyond ÷ customers at `from` or beyond; null when none reached `from` */
  readonly rate: number | null;
}

export interface Funnel {
  readonly customers: number;
  readonly byStage: Record<Stage, number>;
  readonly byStatus: Record<LifecycleStatus, number>;
  readonly conversion: FunnelStep[];
}

export function funnel(
  profiles: Iterable<{ readonly stage: Stage; readonly status: LifecycleStatus }>,
): Funnel {
  const byStage = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  const byStatus = Object.fromEntries(LIFECYCLE_STATUSES.map((s) => [s, 0])) as Record<
    LifecycleStatus,
    number
  >;
  let customers = 0;
  for (const p of profiles) {
    customers++;
    byStage[p.stage]++;
    byStatus[p.status]++;
  }
  const atOrBeyond: number[] = [];
  let running = 0;
  for (let i = STAGES.length - 1; i >= 0; i--) {
    running += byStage[STAGES[i] as Stage];
    atOrBeyond[i] = running;
  }
  const conversion: FunnelStep[] = [];
  for (let i = 1; i < STAGES.length; i++) {
    const previous = atOrBeyond[i - 1] ?? 0;
    conversion.push({
      from: STAGES[i - 1] as Stage,
      to: STAGES[i] as Stage,
      rate: previous === 0 ? null : round9((atOrBeyond[i] ?? 0) / previous),
    });
  }
  return { customers, byStage, byStatus, conversion };
}

export interface RevenueRow {
  readonly bucket: string | null;
  readonly currency: string;
  /** rounded to 9 decimals to drop binary floating-point noise */
  readonly amount: number;
  readonly purchases: number;
}

/** Revenue per bucket and currency from purchases' and repurchases' `value`; never summed across currencies. */
export function revenue(touchpoints: Iterable<Touchpoint>, query: MetricsQuery = {}): RevenueRow[] {
  const w = windowOf(query);
  const cells = new Map<
    string,
    { bucket: string | null; currency: string; amount: number; purchases: number }
  >();
  for (const t of dedupeTouchpoints(touchpoints).touchpoints) {
    if (t.interaction !== 'purchase' && t.interaction !== 'repurchase') continue;
    if (t.value === undefined) continue;
    const at = instantMs(t.occurredAt);
    if (!inWindow(at, w)) continue;
    const bucket = query.bucket === undefined ? null : bucketOf(at, query.bucket, query.timeZone);
    const key = JSON.stringify([bucket, t.value.currency]);
    const cell = cells.get(key) ?? { bucket, currency: t.value.currency, amount: 0, purchases: 0 };
    cell.amount += t.value.amount;
    cell.purchases++;
    cells.set(key, cell);
  }
  return [...cells.values()]
    .sort((a, b) => compareNullable(a.bucket, b.bucket) || compareIds(a.currency, b.currency))
    .map((c) => ({ ...c, amount: round9(c.amount) }));
}

export interface ChurnRow {
  readonly bucket: string | null;
  readonly cancellations: number;
}

/** Cancellations per bucket inside the window. */
export function churn(touchpoints: Iterable<Touchpoint>, query: MetricsQuery = {}): ChurnRow[] {
  const w = windowOf(query);
  const counts = new Map<string | null, number>();
  for (const t of dedupeTouchpoints(touchpoints).touchpoints) {
    if (t.interaction !== 'cancellation') continue;
    const at = instantMs(t.occurredAt);
    if (!inWindow(at, w)) continue;
    const bucket = query.bucket === undefined ? null : bucketOf(at, query.bucket, query.timeZone);
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort(([a], [b]) => compareNullable(a, b))
    .map(([bucket, cancellations]) => ({ bucket, cancellations }));
}

export interface PerceptionGapRow {
  /** touchpointName or channel; null for touchpoints without a name */
  readonly key: string | null;
  readonly pairs: number;
  readonly companyMean: number;
  readonly customerMean: number;
  /** company − customer: positive when the company rates itself higher */
  readonly gap: number;
}

export interface PerceptionGap {
  readonly byTouchpointName: PerceptionGapRow[];
  readonly byChannel: PerceptionGapRow[];
}

/** The customer's score of one touchpoint on the 1–5 scale: its CSAT, else the mean of v + 3. */
function customerScore(t: Touchpoint, signals: readonly Signal[]): number | null {
  if (t.survey?.csat !== undefined) return t.survey.csat;
  if (signals.length === 0) return null;
  let sum = 0;
  for (const s of signals) sum += s.valence + 3;
  return sum / signals.length;
}

/** Perception gap (§6) over touchpoints carrying both a companyAssessment and a customer signal. */
export function perceptionGap(
  touchpoints: Iterable<Touchpoint>,
  window: MetricsWindow = {},
  definition: JourneyDefinition = DEFAULT_JOURNEY_DEFINITION,
): PerceptionGap {
  const w = windowOf(window);
  type Cell = { pairs: number; company: number; customer: number };
  const byName = new Map<string | null, Cell>();
  const byChannel = new Map<string | null, Cell>();
  const add = (
    map: Map<string | null, Cell>,
    key: string | null,
    company: number,
    customer: number,
  ): void => {
    const cell = map.get(key) ?? { pairs: 0, company: 0, customer: 0 };
    cell.pairs++;
    cell.company += company;
    cell.customer += customer;
    map.set(key, cell);
  };
  for (const history of groupByCustomer(touchpoints).groups.values()) {
    if (!history.some((t) => t.companyAssessment !== undefined)) continue;
    const ordered = inEventTimeOrder(history);
    const signals = signalsOfOrdered(ordered, settlementsOfOrdered(ordered, definition));
    const byTouchpoint = new Map<string, Signal[]>();
    for (const s of signals) {
      const list = byTouchpoint.get(s.touchpointId);
      if (list === undefined) byTouchpoint.set(s.touchpointId, [s]);
      else list.push(s);
    }
    for (const { touchpoint: t, at } of ordered) {
      if (t.companyAssessment === undefined || !inWindow(at, w)) continue;
      const own = byTouchpoint.get(t.touchpointId) ?? [];
      if (own.length === 0) continue;
      const score = customerScore(t, own);
      if (score === null) continue;
      add(byName, t.touchpointName ?? null, t.companyAssessment, score);
      add(byChannel, t.channel, t.companyAssessment, score);
    }
  }
  const rows = (map: Map<string | null, Cell>): PerceptionGapRow[] =>
    [...map.entries()]
      .sort(([a], [b]) => compareNullable(a, b))
      .map(([key, c]) => ({
        key,
        pairs: c.pairs,
        companyMean: round9(c.company / c.pairs),
        customerMean: round9(c.customer / c.pairs),
        gap: round9(c.company / c.pairs - c.customer / c.pairs),
      }));
  return { byTouchpointName: rows(byName), byChannel: rows(byChannel) };
}
