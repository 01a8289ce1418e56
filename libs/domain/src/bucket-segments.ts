/**
 * Splits an instant range into the pieces that fall into one metrics bucket each, so that a store
 * can aggregate per bucket with plain range predicates instead of evaluating `bucketOf` per row.
 */
import { bucketOf, type BucketSize } from './metrics';

export interface BucketSegment {
  /** `bucketOf` of every instant in the segment; null without a bucket size */
  readonly bucket: string | null;
  /** inclusive, ms since the epoch */
  readonly start: number;
  /** exclusive, ms since the epoch */
  readonly end: number;
}

// Intl prints years ≤ 0 without an era and `bucketOf` pads only to four digits, so labels outside
// years 1–9999 are ambiguous; the margins leave room for the widest offsets (±15 h of some LMTs).
const MIN_MS = Date.parse('0001-01-03T00:00:00Z');
const MAX_MS = Date.parse('9999-12-29T00:00:00Z');

const WALL_CLOCK = /^(\d+)\/(\d+)\/(\d+),? (\d+):(\d+):(\d+)$/;

/** UTC offset (wall clock − instant, in ms) of one zone at any instant. */
type OffsetOf = (ms: number) => number;

const offsetFunctions = new Map<string, OffsetOf>();

function utcMs(y: number, m: number, d: number, h = 0, min = 0, s = 0): number {
  if (y >= 100) return Date.UTC(y, m - 1, d, h, min, s);
  // Date.UTC would read years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(y, m - 1, d);
  date.setUTCHours(h, min, s, 0);
  return date.getTime();
}

function offsetFunction(timeZone: string | undefined): OffsetOf {
  if (timeZone === undefined || timeZone === 'UTC') return () => 0;
  const cached = offsetFunctions.get(timeZone);
  if (cached !== undefined) return cached;
  const f = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    hourCycle: 'h23',
  });
  const offsetOf = (ms: number): number => {
    // format() is about four times cheaper than formatToParts(); the parts are the safety net
    // should an ICU update change the en-US pattern.
    const m = WALL_CLOCK.exec(f.format(ms));
    let wall: number;
    if (m !== null) {
      wall = utcMs(
        Number(m[3]),
        Number(m[1]),
        Number(m[2]),
        Number(m[4]),
        Number(m[5]),
        Number(m[6]),
      );
    } else {
      const v: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
      for (const p of f.formatToParts(ms)) v[p.type] = Number(p.value);
      wall = utcMs(
        v.year ?? 0,
        v.month ?? 0,
        v.day ?? 0,
        v.hour ?? 0,
        v.minute ?? 0,
        v.second ?? 0,
      );
    }
    // The wall clock shows whole seconds and offsets (even LMT ones) are whole seconds.
    return wall - (ms - mod(ms, 1000));
  };
  offsetFunctions.set(timeZone, offsetOf);
  return offsetOf;
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** The wall-clock midnight (as if UTC) that starts the bucket after `bucket`. */
function nextBucketStart(bucket: string, size: BucketSize): number {
  const y = Number(bucket.slice(0, 4));
  const m = Number(bucket.slice(5, 7));
  const d = Number(bucket.slice(8, 10));
  switch (size) {
    case 'day':
      return utcMs(y, m, d + 1);
    case 'week':
      return utcMs(y, m, d + 7);
    case 'month':
      return utcMs(y, m + 1, 1);
    default: {
      const never: never = size;
      throw new RangeError(`unknown bucket ${String(never)}`);
    }
  }
}

/** The first instant in (lo, hi] whose offset is not `offset`, given offsetOf(hi) !== offset. */
function offsetChange(offsetOf: OffsetOf, lo: number, hi: number, offset: number): number {
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (offsetOf(mid) === offset) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The first instant in (lo, limit) whose bucket is not `bucket`, or `limit` if none is found, by
 * bucketOf alone. Only reached when the offset arithmetic disagrees with `bucketOf`, which no
 * zone does today; it assumes the bucket does not leave and come back between probes.
 */
function bucketChange(
  lo: number,
  limit: number,
  bucket: string,
  size: BucketSize,
  timeZone: string | undefined,
): number {
  let step = 3_600_000;
  let hi = lo;
  for (;;) {
    hi = Math.min(lo + step, limit);
    if (hi === limit || bucketOf(hi, size, timeZone) !== bucket) break;
    lo = hi;
    step *= 2;
  }
  if (hi === limit && (hi - 1 <= lo || bucketOf(hi - 1, size, timeZone) === bucket)) return limit;
  if (hi === limit) hi = limit - 1;
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (bucketOf(mid, size, timeZone) === bucket) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * Splits [fromMs, toMs) into consecutive half-open ranges on which `bucketOf(·, size, timeZone)`
 * is constant, in order, covering it exactly. Adjacent segments always differ in bucket; the same
 * bucket shows up twice only where the zone's clock went back across midnight.
 *
 * Between two changes of the zone's UTC offset the wall clock runs with the instant, so the next
 * bucket starts exactly where that wall clock reaches the bucket's end: one offset probe there
 * and two `bucketOf` checks per boundary. An offset differing at the probe means a transition in
 * between; it is located to the millisecond by bisection, and its effect on the bucket (none, a
 * skip, or a step back to the previous day) read off `bucketOf` there.
 *
 * This assumes the offset does not change and change back between two probes (at most a bucket
 * apart). Such pairs exist (Ramadan suspensions, a few week-long DST periods), but in tzdata none
 * of their transitions moves the clock back across midnight, and only that could be missed.
 */
export function bucketSegments(
  fromMs: number,
  toMs: number,
  size: BucketSize | undefined,
  timeZone?: string,
): BucketSegment[] {
  if (size === undefined) return fromMs < toMs ? [{ bucket: null, start: fromMs, end: toMs }] : [];
  if (!Number.isSafeInteger(fromMs) || !Number.isSafeInteger(toMs))
    throw new RangeError(`bucket segments need integer milliseconds: ${fromMs}, ${toMs}`);
  if (fromMs >= toMs) return [];
  if (fromMs < MIN_MS || toMs > MAX_MS)
    throw new RangeError(`bucket segments support years 1 to 9999: ${fromMs}, ${toMs}`);

  const offsetOf = offsetFunction(timeZone);
  const out: BucketSegment[] = [];
  let start = fromMs;
  let bucket = bucketOf(fromMs, size, timeZone);
  // `bucket` holds on [start, at] and `offset` is the zone's offset at `at`.
  let at = fromMs;
  let offset = offsetOf(at);
  const moveTo = (next: number, nextBucket: string, nextOffset: number): void => {
    if (nextBucket !== bucket) {
      out.push({ bucket, start, end: next });
      start = next;
      bucket = nextBucket;
    }
    at = next;
    offset = nextOffset;
  };

  // Arithmetic and Intl disagreeing (no zone does today) falls back to bisecting bucketOf.
  const byBucketOf = (): void => {
    const next = bucketChange(at, toMs, bucket, size, timeZone);
    if (next < toMs) moveTo(next, bucketOf(next, size, timeZone), offsetOf(next));
    else at = toMs;
  };

  while (at < toMs) {
    // Where the wall clock, running on at `offset`, reaches the next bucket's first midnight.
    const edge = nextBucketStart(bucket, size) - offset;
    if (edge <= at) {
      byBucketOf();
      continue;
    }
    const inside = edge < toMs;
    const probe = inside ? edge : toMs - 1;
    const probeOffset = offsetOf(probe);
    if (probeOffset !== offset) {
      const change = offsetChange(offsetOf, at, probe, offset);
      if (bucketOf(change - 1, size, timeZone) === bucket)
        moveTo(change, bucketOf(change, size, timeZone), offsetOf(change));
      else byBucketOf();
    } else if (!inside) {
      if (bucketOf(probe, size, timeZone) === bucket) at = toMs;
      else byBucketOf();
    } else {
      const next = bucketOf(edge, size, timeZone);
      if (next !== bucket && bucketOf(edge - 1, size, timeZone) === bucket)
        moveTo(edge, next, probeOffset);
      else byBucketOf();
    }
  }
  out.push({ bucket, start, end: toMs });
  return out;
}
