/**
 * CX metrics (§5) and the perception gap (§6) as pure functions over stored touchpoints.
 * Inputs are deduplicated by touchpointId (first version wins) like everywhere else.
 */
import { LIFECYCLE_STATUSES, STAGES, type LifecycleStatus, type Stage } from './assessment';
import { dedupeTouchpoints } from './dedupe';
import { inEventTimeOrder, type TimedTouchpoint } from './history';
import { DEFAULT_JOURNEY_DEFINITION, type JourneyDefinition } from './journey-definition';
import { compareEventTime, compareIds, instantMs, round9 } from './numbers';
import { experienceRowOf, type ExperienceMetricsRow } from './experience-figures';
import { perceptionPairsOf, type PerceptionPair } from './perception';
import { groupByCustomer } from './profile';
import type { StageHistory } from './stage-history';
import { settlementsOfOrdered, type ComplaintRecord, type TimedRef } from './signals';
import { isPurchase, type Touchpoint } from './touchpoint';

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
const CALENDAR_DATE = /^(\d+)\/(\d+)\/(\d+)$/;

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
  // format() costs a fraction of formatToParts(), which stays as the fallback should an ICU
  // update change the en-US pattern.
  const match = CALENDAR_DATE.exec(f.format(ms));
  if (match !== null) return [Number(match[3]), Number(match[1]), Number(match[2])];
  let y = 0;
  let m = 0;
  let d = 0;
  for (const p of f.formatToParts(ms)) {
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

/** What a figure can be grouped by: a touchpoint's fields, or a fact kept from one. */
export interface Groupable {
  readonly channel: string;
  readonly category: string;
  readonly pillar?: string | null;
  readonly touchpointName?: string | null;
}

/** The group a touchpoint (or a fact of one) falls in; `stage` is its customer's current one. */
export function groupOf(
  t: Groupable,
  groupBy: GroupBy | undefined,
  stage: Stage | null,
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
      return stage;
    default: {
      const never: never = groupBy;
      throw new RangeError(`unknown group ${String(never)}`);
    }
  }
}

function groupValue(
  t: Touchpoint,
  groupBy: GroupBy | undefined,
  ctx: MetricsContext,
): string | null {
  return groupOf(t, groupBy, ctx.stages?.get(t.customerId) ?? null);
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
    .map(({ bucket, group, acc }) => experienceRowOf(bucket, group, acc));
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
  const rank = Math.max(1, ceilPercentOf(p, sortedAscending.length));
  return sortedAscending[rank - 1] ?? null;
}

/**
 * ⌈p · n / 100⌉, exact whenever p · n is a safe integer: (p / 100) · n is not, since p / 100 is
 * rounded (7 / 100 · 100 = 7.000000000000001, whose ceiling is 8).
 */
function ceilPercentOf(p: number, n: number): number {
  const k = p * n;
  if (!Number.isSafeInteger(k)) return Math.ceil(k / 100);
  // k % 100 is exact; k − r is a multiple of 100, so the division is exact and truncates, which
  // for negative k already is the ceiling.
  const r = k % 100;
  return (k - r) / 100 + (r > 0 ? 1 : 0);
}

export interface ChannelComplaintMetrics {
  /** the channel of the complaint's counted (earliest) opening */
  readonly channel: string;
  readonly metrics: ComplaintMetrics;
}

interface ComplaintTally {
  opened: number;
  resolved: number;
  openNow: number;
  within: number;
  readonly secondsToResolve: number[];
}

function emptyTally(): ComplaintTally {
  return { opened: 0, resolved: 0, openNow: 0, within: 0, secondsToResolve: [] };
}

/** Whether any of the complaint's counts can be non-zero for the window. */
function countsIn(c: ComplaintRecord, w: Window): boolean {
  return c.opened.at < w.to || (c.resolved !== null && inWindow(c.resolved.at, w));
}

function tally(t: ComplaintTally, c: ComplaintRecord, w: Window): void {
  if (inWindow(c.opened.at, w)) t.opened++;
  if (c.opened.at < w.to && (c.resolved === null || !(c.resolved.at < w.to))) t.openNow++;
  if (c.resolved !== null && inWindow(c.resolved.at, w)) {
    t.resolved++;
    if (c.resolved.withinSla) t.within++;
    // A resolution dated before its opening (clock skew) counts as resolved at once.
    t.secondsToResolve.push(Math.max(0, c.resolved.at - c.opened.at) / 1000);
  }
}

function complaintFigures(t: ComplaintTally): ComplaintMetrics {
  const times = t.secondsToResolve.sort((a, b) => a - b);
  return {
    opened: t.opened,
    resolved: t.resolved,
    openNow: t.openNow,
    medianSecondsToResolve: nearestRank(times, 50),
    p90SecondsToResolve: nearestRank(times, 90),
    withinSlaShare: t.resolved === 0 ? null : round9(t.within / t.resolved),
  };
}

/** Every counted complaint of every customer, with that customer's history in event-time order. */
function forEachComplaint(
  touchpoints: Iterable<Touchpoint>,
  definition: JourneyDefinition,
  visit: (complaint: ComplaintRecord, ordered: readonly TimedTouchpoint[]) => void,
): void {
  for (const history of groupByCustomer(touchpoints).groups.values()) {
    const ordered = inEventTimeOrder(history);
    for (const c of settlementsOfOrdered(ordered, definition).complaints) visit(c, ordered);
  }
}

/** The touchpoint a reference points to, by bisection: histories are in event-time order. */
function touchpointOf(ordered: readonly TimedTouchpoint[], ref: TimedRef): Touchpoint {
  let lo = 0;
  let hi = ordered.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const t = ordered[mid] as TimedTouchpoint;
    const c = compareEventTime(t.at, t.touchpoint.touchpointId, ref.at, ref.touchpointId);
    if (c === 0) return t.touchpoint;
    if (c < 0) lo = mid + 1;
    else hi = mid - 1;
  }
  throw new RangeError(`touchpoint ${ref.touchpointId} is not in the history`);
}

export function complaintMetrics(
  touchpoints: Iterable<Touchpoint>,
  window: MetricsWindow = {},
  definition: JourneyDefinition = DEFAULT_JOURNEY_DEFINITION,
): ComplaintMetrics {
  const w = windowOf(window);
  const t = emptyTally();
  forEachComplaint(touchpoints, definition, (c) => tally(t, c, w));
  return complaintFigures(t);
}

/**
 * `complaintMetrics` per channel of each complaint's counted opening, sorted by channel, for the
 * channels with a complaint that counts for the window; the counts add up to `complaintMetrics`.
 */
export function complaintMetricsByChannel(
  touchpoints: Iterable<Touchpoint>,
  window: MetricsWindow = {},
  definition: JourneyDefinition = DEFAULT_JOURNEY_DEFINITION,
): ChannelComplaintMetrics[] {
  const w = windowOf(window);
  const byChannel = new Map<string, ComplaintTally>();
  forEachComplaint(touchpoints, definition, (c, ordered) => {
    if (!countsIn(c, w)) return;
    const channel = touchpointOf(ordered, c.opened).channel;
    let t = byChannel.get(channel);
    if (t === undefined) {
      t = emptyTally();
      byChannel.set(channel, t);
    }
    tally(t, c, w);
  });
  // A channel with nothing to count in the window (all its complaints settled before it) is left out.
  return [...byChannel.entries()]
    .filter(([, t]) => t.opened + t.resolved + t.openNow > 0)
    .sort(([a], [b]) => compareIds(a, b))
    .map(([channel, t]) => ({ channel, metrics: complaintFigures(t) }));
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
  const counts = new Map<string, { stage: Stage; status: LifecycleStatus; customers: number }>();
  for (const p of profiles) {
    const key = `${p.stage} ${p.status}`;
    const c = counts.get(key) ?? { stage: p.stage, status: p.status, customers: 0 };
    c.customers++;
    counts.set(key, c);
  }
  return funnelOfCounts(counts.values());
}

/** The funnel from the number of customers at each (stage, status). */
export function funnelOfCounts(
  counts: Iterable<{
    readonly stage: Stage;
    readonly status: LifecycleStatus;
    readonly customers: number;
  }>,
): Funnel {
  const byStage = Object.fromEntries(STAGES.map((s) => [s, 0])) as Record<Stage, number>;
  const byStatus = Object.fromEntries(LIFECYCLE_STATUSES.map((s) => [s, 0])) as Record<
    LifecycleStatus,
    number
  >;
  let customers = 0;
  for (const c of counts) {
    customers += c.customers;
    byStage[c.stage] += c.customers;
    byStatus[c.status] += c.customers;
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
  /** The group's value (as in `experienceMetrics`); null when not grouping. */
  readonly group: string | null;
  readonly currency: string;
  /** rounded to 9 decimals to drop binary floating-point noise */
  readonly amount: number;
  readonly purchases: number;
}

/**
 * Revenue per bucket, group and currency from purchases' and repurchases' `value`; never summed
 * across currencies. Grouping by stage uses the customers' current stages, as for the answers.
 */
export function revenue(
  touchpoints: Iterable<Touchpoint>,
  query: MetricsQuery = {},
  ctx: MetricsContext = {},
): RevenueRow[] {
  const w = windowOf(query);
  const cells = new Map<
    string,
    {
      bucket: string | null;
      group: string | null;
      currency: string;
      amount: number;
      purchases: number;
    }
  >();
  for (const t of dedupeTouchpoints(touchpoints).touchpoints) {
    if (t.interaction !== 'purchase' && t.interaction !== 'repurchase') continue;
    if (t.value === undefined) continue;
    const at = instantMs(t.occurredAt);
    if (!inWindow(at, w)) continue;
    const bucket = query.bucket === undefined ? null : bucketOf(at, query.bucket, query.timeZone);
    const group = groupValue(t, query.groupBy, ctx);
    const key = JSON.stringify([bucket, group, t.value.currency]);
    const cell = cells.get(key) ?? {
      bucket,
      group,
      currency: t.value.currency,
      amount: 0,
      purchases: 0,
    };
    cell.amount += t.value.amount;
    cell.purchases++;
    cells.set(key, cell);
  }
  return [...cells.values()]
    .sort(
      (a, b) =>
        compareNullable(a.bucket, b.bucket) ||
        compareNullable(a.group, b.group) ||
        compareIds(a.currency, b.currency),
    )
    .map((c) => ({ ...c, amount: round9(c.amount) }));
}

export interface CustomerValue {
  readonly currency: string;
  /** Lifetime value to date: the sum of the customer's purchases in this currency. */
  readonly amount: number;
  readonly purchases: number;
}

/** One customer's lifetime value to date per currency, sorted by currency. */
export function customerValue(touchpoints: Iterable<Touchpoint>): CustomerValue[] {
  return revenue(touchpoints).map(({ currency, amount, purchases }) => ({
    currency,
    amount,
    purchases,
  }));
}

export interface StageValue {
  readonly stage: Stage;
  readonly currency: string;
  /** Customers now at this stage with at least one purchase in this currency. */
  readonly customers: number;
  /** Their mean lifetime value in this currency. */
  readonly meanValue: number;
}

/** The mean customer lifetime value per current stage and currency, in stage order then currency. */
export function meanValueByStage(
  touchpoints: Iterable<Touchpoint>,
  stages: ReadonlyMap<string, Stage>,
): StageValue[] {
  const cells = new Map<
    string,
    { stage: Stage; currency: string; customers: number; sum: number }
  >();
  for (const [customerId, history] of groupByCustomer(touchpoints).groups) {
    const stage = stages.get(customerId);
    if (stage === undefined) continue;
    for (const v of customerValue(history)) {
      const key = `${stage}\u0000${v.currency}`;
      const cell = cells.get(key) ?? { stage, currency: v.currency, customers: 0, sum: 0 };
      cell.customers++;
      cell.sum += v.amount;
      cells.set(key, cell);
    }
  }
  const rank = new Map<Stage, number>(STAGES.map((stage, i) => [stage, i]));
  return [...cells.values()]
    .sort(
      (a, b) =>
        (rank.get(a.stage) ?? 0) - (rank.get(b.stage) ?? 0) || compareIds(a.currency, b.currency),
    )
    .map((c) => ({
      stage: c.stage,
      currency: c.currency,
      customers: c.customers,
      meanValue: round9(c.sum / c.customers),
    }));
}

export interface ChurnRow {
  readonly bucket: string | null;
  readonly cancellations: number;
  /**
   * Customers lost now (a cancellation, and no purchase later than their latest one), counted in
   * the bucket of that latest cancellation.
   */
  readonly lostCustomers: number;
}

/** When a customer is lost (§2): their latest cancellation, unless a purchase came after it. */
export function lostSince(history: readonly Touchpoint[]): number | null {
  let cancelled: number | null = null;
  let purchased: number | null = null;
  for (const t of history) {
    const at = instantMs(t.occurredAt);
    if (t.interaction === 'cancellation')
      cancelled = cancelled === null ? at : Math.max(cancelled, at);
    else if (isPurchase(t)) purchased = purchased === null ? at : Math.max(purchased, at);
  }
  return cancelled !== null && !(purchased !== null && purchased > cancelled) ? cancelled : null;
}

/** Cancellations and lost customers per bucket inside the window. */
export function churn(touchpoints: Iterable<Touchpoint>, query: MetricsQuery = {}): ChurnRow[] {
  const w = windowOf(query);
  const counts = new Map<string | null, { cancellations: number; lostCustomers: number }>();
  const cell = (at: number): { cancellations: number; lostCustomers: number } | null => {
    if (!inWindow(at, w)) return null;
    const bucket = query.bucket === undefined ? null : bucketOf(at, query.bucket, query.timeZone);
    let c = counts.get(bucket);
    if (c === undefined) {
      c = { cancellations: 0, lostCustomers: 0 };
      counts.set(bucket, c);
    }
    return c;
  };
  for (const history of groupByCustomer(touchpoints).groups.values()) {
    for (const t of history) {
      if (t.interaction !== 'cancellation') continue;
      const c = cell(instantMs(t.occurredAt));
      if (c !== null) c.cancellations++;
    }
    const lost = lostSince(history);
    if (lost === null) continue;
    const c = cell(lost);
    if (c !== null) c.lostCustomers++;
  }
  return [...counts.entries()]
    .sort(([a], [b]) => compareNullable(a, b))
    .map(([bucket, c]) => ({ bucket, ...c }));
}

export interface StageConversion {
  readonly stage: Stage;
  /** Entries into the stage inside the window. */
  readonly entered: number;
  /** Of those, the entries after which the customer's next change of stage was up. */
  readonly rose: number;
  readonly rate: number | null;
}

/**
 * Stage-to-stage conversion of the customers who entered a stage in the window: per stage (all
 * but the last), the entries into it inside the window and how many of them were followed by a
 * rise to a higher stage (at any later time, up to the latest event). From stage histories.
 */
export function stageConversion(
  histories: Iterable<StageHistory>,
  window: MetricsWindow = {},
): StageConversion[] {
  const w = windowOf(window);
  const rank = new Map<Stage, number>(STAGES.map((stage, i) => [stage, i]));
  const entered = new Map<Stage, number>();
  const rose = new Map<Stage, number>();
  for (const { entries } of histories) {
    entries.forEach((entry, i) => {
      if (!inWindow(instantMs(entry.enteredAt), w)) return;
      entered.set(entry.stage, (entered.get(entry.stage) ?? 0) + 1);
      const next = entries[i + 1];
      if (next !== undefined && (rank.get(next.stage) ?? 0) > (rank.get(entry.stage) ?? 0)) {
        rose.set(entry.stage, (rose.get(entry.stage) ?? 0) + 1);
      }
    });
  }
  return STAGES.slice(0, -1).map((stage) => {
    const n = entered.get(stage) ?? 0;
    const r = rose.get(stage) ?? 0;
    return { stage, entered: n, rose: r, rate: n === 0 ? null : round9(r / n) };
  });
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
  const add = (map: Map<string | null, Cell>, key: string | null, pair: PerceptionPair): void => {
    const cell = map.get(key) ?? { pairs: 0, company: 0, customer: 0 };
    cell.pairs++;
    cell.company += pair.company;
    cell.customer += pair.customer;
    map.set(key, cell);
  };
  for (const history of groupByCustomer(touchpoints).groups.values()) {
    for (const pair of perceptionPairsOf(inEventTimeOrder(history), definition)) {
      if (!inWindow(pair.at, w)) continue;
      add(byName, pair.touchpointName, pair);
      add(byChannel, pair.channel, pair);
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
