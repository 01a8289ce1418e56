import { bucketSegments, type BucketSegment } from './bucket-segments';
import { BUCKET_SIZES, bucketOf, type BucketSize } from './metrics';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** mulberry32: a small seeded generator, so that every run checks the same cases. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number): string => new Date(ms).toISOString();

type Case = { from: number; to: number; size: BucketSize; zone: string | undefined };

/**
 * Every way `segments` can be wrong for the case, as readable lines (one expectation per case
 * keeps thousands of probes fast). `probes` instants are drawn inside each segment; `grid` adds
 * every multiple of that step in the range.
 */
function faults(c: Case, random: () => number, probes: number, grid?: number): string[] {
  const { from, to, size, zone } = c;
  const segments = bucketSegments(from, to, size, zone);
  const out: string[] = [];
  const label = `${size} ${zone ?? '(UTC)'} [${iso(from)}, ${iso(to)})`;
  const expectBucket = (t: number, s: BucketSegment): void => {
    const actual = bucketOf(t, size, zone);
    if (actual !== s.bucket) out.push(`${label}: ${iso(t)} is ${actual}, segment says ${s.bucket}`);
  };
  if (segments[0]?.start !== from || segments[segments.length - 1]?.end !== to)
    out.push(`${label}: does not cover the range`);
  segments.forEach((s, i) => {
    if (!(s.start < s.end) || !Number.isInteger(s.start) || !Number.isInteger(s.end))
      out.push(`${label}: bad segment ${iso(s.start)}–${iso(s.end)}`);
    const previous = segments[i - 1];
    if (previous !== undefined) {
      if (previous.end !== s.start) out.push(`${label}: gap or overlap at ${iso(s.start)}`);
      if (previous.bucket === s.bucket)
        out.push(`${label}: unmerged ${s.bucket} at ${iso(s.start)}`);
      // The boundary is exact: the millisecond before it still belongs to the previous bucket.
      expectBucket(s.start - 1, previous);
    }
    expectBucket(s.start, s);
    expectBucket(s.end - 1, s);
    for (let k = 0; k < probes; k++)
      expectBucket(s.start + Math.floor(random() * (s.end - s.start)), s);
  });
  if (grid !== undefined) {
    let i = 0;
    for (let t = Math.ceil(from / grid) * grid; t < to; t += grid) {
      while ((segments[i]?.end ?? Number.POSITIVE_INFINITY) <= t) i++;
      const s = segments[i];
      if (s !== undefined) expectBucket(t, s);
    }
  }
  return out;
}

const segmentsOf = (
  from: string,
  to: string,
  size: BucketSize,
  zone: string,
): [string | null, string, string][] =>
  bucketSegments(at(from), at(to), size, zone).map((s) => [s.bucket, iso(s.start), iso(s.end)]);

describe('bucketSegments', () => {
  it('one null segment without a bucket size, none for an empty range', () => {
    expect(bucketSegments(5, 10, undefined)).toEqual([{ bucket: null, start: 5, end: 10 }]);
    expect(bucketSegments(10, 10, 'day', 'Europe/Madrid')).toEqual([]);
    expect(bucketSegments(10, 5, undefined)).toEqual([]);
  });

  it('rejects fractional instants, years outside 1–9999 and unknown zones', () => {
    expect(() => bucketSegments(0.5, 10, 'day')).toThrow(RangeError);
    expect(() => bucketSegments(0, Number.POSITIVE_INFINITY, 'day')).toThrow(RangeError);
    expect(() => bucketSegments(at('0000-06-01T00:00:00Z'), 0, 'day')).toThrow(RangeError);
    expect(() => bucketSegments(0, 1, 'day', 'Mars/Olympus_Mons')).toThrow(RangeError);
  });

  it('splits at local midnights, following DST changes away from midnight', () => {
    expect(
      segmentsOf('2025-03-29T12:00:00Z', '2025-04-01T00:00:00Z', 'day', 'Europe/Madrid'),
    ).toEqual([
      ['2025-03-29', '2025-03-29T12:00:00.000Z', '2025-03-29T23:00:00.000Z'],
      // 23 hours: the clocks go forward at 02:00
      ['2025-03-30', '2025-03-29T23:00:00.000Z', '2025-03-30T22:00:00.000Z'],
      ['2025-03-31', '2025-03-30T22:00:00.000Z', '2025-03-31T22:00:00.000Z'],
      ['2025-04-01', '2025-03-31T22:00:00.000Z', '2025-04-01T00:00:00.000Z'],
    ]);
    expect(
      segmentsOf('2025-01-01T00:00:00Z', '2025-12-31T00:00:00Z', 'month', 'Europe/Madrid').map(
        ([bucket, start]) => [bucket, start],
      ),
    ).toEqual([
      ['2025-01-01', '2025-01-01T00:00:00.000Z'],
      ['2025-02-01', '2025-01-31T23:00:00.000Z'],
      ['2025-03-01', '2025-02-28T23:00:00.000Z'],
      ['2025-04-01', '2025-03-31T22:00:00.000Z'],
      ['2025-05-01', '2025-04-30T22:00:00.000Z'],
      ['2025-06-01', '2025-05-31T22:00:00.000Z'],
      ['2025-07-01', '2025-06-30T22:00:00.000Z'],
      ['2025-08-01', '2025-07-31T22:00:00.000Z'],
      ['2025-09-01', '2025-08-31T22:00:00.000Z'],
      ['2025-10-01', '2025-09-30T22:00:00.000Z'],
      ['2025-11-01', '2025-10-31T23:00:00.000Z'],
      ['2025-12-01', '2025-11-30T23:00:00.000Z'],
    ]);
    // weeks start on Monday: 2025-03-24 and 2025-03-31
    expect(
      segmentsOf('2025-03-25T00:00:00Z', '2025-04-02T00:00:00Z', 'week', 'Europe/Madrid'),
    ).toEqual([
      ['2025-03-24', '2025-03-25T00:00:00.000Z', '2025-03-30T22:00:00.000Z'],
      ['2025-03-31', '2025-03-30T22:00:00.000Z', '2025-04-02T00:00:00.000Z'],
    ]);
  });

  it('DST changes at midnight: a day that starts at 01:00, and a day of 25 hours', () => {
    // São Paulo 2018-11-04: 00:00 −03 became 01:00 −02
    expect(
      segmentsOf('2018-11-03T12:00:00Z', '2018-11-05T12:00:00Z', 'day', 'America/Sao_Paulo'),
    ).toEqual([
      ['2018-11-03', '2018-11-03T12:00:00.000Z', '2018-11-04T03:00:00.000Z'],
      ['2018-11-04', '2018-11-04T03:00:00.000Z', '2018-11-05T02:00:00.000Z'],
      ['2018-11-05', '2018-11-05T02:00:00.000Z', '2018-11-05T12:00:00.000Z'],
    ]);
    // São Paulo 2018-02-18: 00:00 −02 became 23:00 −03 of the 17th, which lasts 25 hours
    expect(
      segmentsOf('2018-02-17T00:00:00Z', '2018-02-18T12:00:00Z', 'day', 'America/Sao_Paulo'),
    ).toEqual([
      ['2018-02-16', '2018-02-17T00:00:00.000Z', '2018-02-17T02:00:00.000Z'],
      ['2018-02-17', '2018-02-17T02:00:00.000Z', '2018-02-18T03:00:00.000Z'],
      ['2018-02-18', '2018-02-18T03:00:00.000Z', '2018-02-18T12:00:00.000Z'],
    ]);
  });

  it('clocks going back across midnight make a bucket non-contiguous', () => {
    // St. John's 2006-10-29: 00:01 NDT became 23:01 NST of the 28th
    expect(
      segmentsOf('2006-10-29T00:00:00Z', '2006-10-29T12:00:00Z', 'day', 'America/St_Johns'),
    ).toEqual([
      ['2006-10-28', '2006-10-29T00:00:00.000Z', '2006-10-29T02:30:00.000Z'],
      ['2006-10-29', '2006-10-29T02:30:00.000Z', '2006-10-29T02:31:00.000Z'],
      ['2006-10-28', '2006-10-29T02:31:00.000Z', '2006-10-29T03:30:00.000Z'],
      ['2006-10-29', '2006-10-29T03:30:00.000Z', '2006-10-29T12:00:00.000Z'],
    ]);
    // Phoenix 1944-01-01 00:01 went back to 23:01 of 31 December: January starts twice
    expect(
      segmentsOf('1943-12-31T00:00:00Z', '1944-01-02T00:00:00Z', 'month', 'America/Phoenix'),
    ).toEqual([
      ['1943-12-01', '1943-12-31T00:00:00.000Z', '1944-01-01T06:00:00.000Z'],
      ['1944-01-01', '1944-01-01T06:00:00.000Z', '1944-01-01T06:01:00.000Z'],
      ['1943-12-01', '1944-01-01T06:01:00.000Z', '1944-01-01T07:00:00.000Z'],
      ['1944-01-01', '1944-01-01T07:00:00.000Z', '1944-01-02T00:00:00.000Z'],
    ]);
  });

  it('a skipped day, and offsets in quarter hours and in seconds', () => {
    // Samoa skipped 2011-12-30 (−10 to +14)
    expect(
      segmentsOf('2011-12-30T00:00:00Z', '2011-12-31T00:00:00Z', 'day', 'Pacific/Apia').map(
        ([bucket]) => bucket,
      ),
    ).toEqual(['2011-12-29', '2011-12-31']);
    // Kathmandu +05:30 → +05:45 on 1986-01-01; Eucla +08:45; Chatham +12:45 / +13:45
    expect(
      segmentsOf('1985-12-31T00:00:00Z', '1986-01-02T00:00:00Z', 'day', 'Asia/Kathmandu'),
    ).toEqual([
      ['1985-12-31', '1985-12-31T00:00:00.000Z', '1985-12-31T18:30:00.000Z'],
      ['1986-01-01', '1985-12-31T18:30:00.000Z', '1986-01-01T18:15:00.000Z'],
      ['1986-01-02', '1986-01-01T18:15:00.000Z', '1986-01-02T00:00:00.000Z'],
    ]);
    expect(
      segmentsOf('2025-06-01T00:00:00Z', '2025-06-02T00:00:00Z', 'day', 'Australia/Eucla')[0]?.[2],
    ).toBe('2025-06-01T15:15:00.000Z');
    expect(
      segmentsOf('2025-06-01T00:00:00Z', '2025-06-02T00:00:00Z', 'day', 'Pacific/Chatham')[0]?.[2],
    ).toBe('2025-06-01T11:15:00.000Z');
    // Local mean time before 1892: midnights fall on odd seconds of UTC
    const lmt = bucketSegments(
      at('1890-01-01T00:00:00Z'),
      at('1890-01-05T00:00:00Z'),
      'day',
      'Europe/Amsterdam',
    );
    expect(lmt).toHaveLength(5);
    expect(lmt.slice(1).every((s) => s.start % MINUTE_MS !== 0)).toBe(true);
  });

  // Zones picked for midnight transitions, odd offsets, date-line moves and LMT.
  const zones: (string | undefined)[] = [
    undefined,
    'UTC',
    'Europe/Madrid',
    'Europe/London',
    'Europe/Dublin',
    'Europe/Amsterdam',
    'Europe/Moscow',
    'America/New_York',
    'America/Sao_Paulo',
    'America/Havana',
    'America/St_Johns',
    'America/Goose_Bay',
    'America/Sitka',
    'America/Phoenix',
    'America/Santiago',
    'Asia/Beirut',
    'Asia/Gaza',
    'Asia/Tehran',
    'Asia/Kathmandu',
    'Asia/Kolkata',
    'Africa/Casablanca',
    'Africa/Cairo',
    'Australia/Eucla',
    'Australia/Lord_Howe',
    'Pacific/Chatham',
    'Pacific/Apia',
    'Pacific/Kiritimati',
    'Pacific/Guam',
    'Antarctica/Troll',
    'Antarctica/Casey',
    'Etc/GMT-14',
  ];

  it('property: random ranges in many zones match bucketOf to the millisecond', () => {
    const random = seeded(20_251_202);
    const lo = at('1840-01-01T00:00:00Z');
    const hi = at('2060-01-01T00:00:00Z');
    const maxLength: Record<BucketSize, number> = {
      day: 120 * DAY_MS,
      week: 2 * 366 * DAY_MS,
      month: 8 * 366 * DAY_MS,
    };
    const found: string[] = [];
    for (let i = 0; i < 240; i++) {
      const zone = zones[i % zones.length];
      const size = BUCKET_SIZES[Math.floor(random() * BUCKET_SIZES.length)] as BucketSize;
      const from = lo + Math.floor(random() * (hi - lo));
      // short ranges too, down to a single millisecond
      const length = 1 + Math.floor(random() ** 2 * maxLength[size]);
      found.push(...faults({ from, to: from + length, size, zone }, random, 3));
    }
    expect(found).toEqual([]);
  });

  // Transitions that move the date: going back across midnight (St. John's, Goose Bay, Phoenix,
  // Guam, Casey, Alaska's purchase repeating a day), starting at midnight or 24:00 (São Paulo,
  // Havana, Beirut, Cairo, Gaza), skipping a day (Apia, Kiritimati), plus LMT ends and half-hour
  // DST.
  const transitions: [string, string][] = [
    ['America/Sao_Paulo', '2018-02-18T02:00:00Z'],
    ['America/Sao_Paulo', '2018-11-04T03:00:00Z'],
    ['America/Havana', '2023-03-12T05:00:00Z'],
    ['America/Havana', '2023-11-05T05:00:00Z'],
    ['Asia/Beirut', '2024-03-30T22:00:00Z'],
    ['Asia/Beirut', '2024-10-26T21:00:00Z'],
    ['Africa/Cairo', '2010-09-09T22:00:00Z'],
    ['Asia/Gaza', '2011-08-29T22:00:00Z'],
    ['America/St_Johns', '2006-10-29T02:31:00Z'],
    ['America/Goose_Bay', '1988-10-30T02:01:00Z'],
    ['America/Phoenix', '1944-01-01T06:01:00Z'],
    ['Pacific/Guam', '1969-01-25T13:01:00Z'],
    ['Antarctica/Casey', '2010-03-04T15:00:00Z'],
    ['America/Sitka', '1867-10-19T00:31:13Z'],
    ['Pacific/Apia', '2011-12-30T10:00:00Z'],
    ['Pacific/Kiritimati', '1994-12-31T10:00:00Z'],
    ['Asia/Kathmandu', '1985-12-31T18:30:00Z'],
    ['Australia/Lord_Howe', '2025-04-05T15:00:00Z'],
    ['Pacific/Chatham', '2025-04-05T14:00:00Z'],
    ['Antarctica/Troll', '2025-03-30T01:00:00Z'],
    ['Europe/Amsterdam', '1892-05-01T00:00:00Z'],
  ];

  it.each(transitions)('around a transition in %s at %s, checked every minute', (zone, when) => {
    const random = seeded(7);
    const t = at(when);
    const found: string[] = [];
    for (const size of BUCKET_SIZES) {
      const span = size === 'day' ? 2 * DAY_MS : 40 * DAY_MS;
      const grid = size === 'day' ? MINUTE_MS : HOUR_MS;
      found.push(
        ...faults({ from: t - span + 1234, to: t + span - 567, size, zone }, random, 20, grid),
      );
    }
    expect(found).toEqual([]);
  });
});
