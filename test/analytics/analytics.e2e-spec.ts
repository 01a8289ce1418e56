import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  categoryOf,
  complaintMetricsByChannel,
  type BucketSize,
  type Channel,
  type ConsentChange,
  type ConsentPolicy,
  type GroupBy,
  type Stage,
  type Touchpoint,
} from '@cx/domain';
import { kafkaBrokers } from '../support/stack';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { eventually } from '../support/eventually';
import { mapLimited } from '../support/map-limited';
import { journeys, shuffledWithDuplicates } from '../projector/support/journeys';
import {
  distMain,
  startService,
  stopService,
  type RunningService,
} from '../projector/support/services';
import { ExpectedAnalytics } from './support/expected-analytics';

jest.setTimeout(240_000);

const ROOT = join(__dirname, '..', '..');
/** Everything this file writes carries this prefix (ids, consumer group). */
const RUN = `an-${randomBytes(3).toString('hex')}`;
const CUSTOMERS = 300;
const OPT_IN = 'marketing.email';
const POLICY: ConsentPolicy = { optInPurposes: new Set([OPT_IN]) };
/** The longest wait a request may ask for; a slow projector fails the test rather than passing stale. */
const MAX_WAIT_MS = 30_000;
/** How long the consent follower gets to take in changes recorded after their touchpoints. */
const FOLLOW_TIMEOUT_MS = 30_000;
const CONCURRENCY = 8;

const ZONES = ['UTC', 'Europe/Madrid', 'Asia/Kathmandu'] as const;
const INTERVALS: readonly (BucketSize | undefined)[] = [undefined, 'day', 'week', 'month'];
const GROUPS: readonly (GroupBy | undefined)[] = [
  undefined,
  'channel',
  'category',
  'pillar',
  'touchpointName',
  'stage',
];
/** As sent: some with offsets, so that the echo must be the normalised instant. */
const WINDOWS: readonly (readonly [string, string])[] = [
  ['2024-06-01T00:00:00Z', '2026-12-01T00:00:00Z'],
  ['2025-03-10T07:13:21.500Z', '2025-09-30T22:59:59.999Z'],
  // Madrid's midnights, across both of its 2025 clock changes.
  ['2025-03-30T00:00:00+01:00', '2025-11-01T00:00:00+01:00'],
  // Kathmandu's midnights (UTC+05:45).
  ['2025-05-01T00:00:00+05:45', '2025-08-01T00:00:00+05:45'],
];

const customerId = (n: number): string => `${RUN}-${String(n).padStart(3, '0')}`;

/**
 * Survey answers right at the edges of days, weeks and months in each zone and at Madrid's clock
 * changes, one ms on either side; some carry purposes, so consents decide whether they count.
 */
function edgeAnswers(): Touchpoint[] {
  const edges = [
    '2025-06-30T23:59:59.999Z', // UTC: month
    '2025-07-01T00:00:00.000Z',
    '2025-12-31T23:59:59.999Z', // UTC: year
    '2026-01-01T00:00:00.000Z',
    '2025-03-30T00:59:59.999Z', // Madrid: the last ms before 02:00 becomes 03:00
    '2025-03-30T01:00:00.000Z',
    '2025-03-30T21:59:59.999Z', // Madrid: Monday 31 March begins (UTC+2)
    '2025-03-30T22:00:00.000Z',
    '2025-10-26T00:59:59.999Z', // Madrid: the last ms before 03:00 becomes 02:00
    '2025-10-26T01:00:00.000Z',
    '2025-10-26T22:59:59.999Z', // Madrid: Monday 27 October begins (UTC+1)
    '2025-10-26T23:00:00.000Z',
    '2025-10-31T22:59:59.999Z', // Madrid: November begins
    '2025-10-31T23:00:00.000Z',
    '2025-05-31T18:14:59.999Z', // Kathmandu: June begins at 18:15 UTC
    '2025-05-31T18:15:00.000Z',
    '2025-07-31T18:14:59.999Z', // Kathmandu: August begins
    '2025-07-31T18:15:00.000Z',
  ];
  const channels: readonly Channel[] = ['chat', 'web', 'email', 'contact_center'];
  const purposes: readonly (readonly string[] | undefined)[] = [
    undefined,
    [OPT_IN],
    ['analytics'],
    [OPT_IN, 'analytics'],
  ];
  return edges.flatMap((occurredAt, i) =>
    // Each edge answered by a few customers whose consents differ.
    [0, 1, 2, 3, 5, 7].map((k): Touchpoint => {
      const channel = channels[(i + k) % channels.length] as Channel;
      const purpose = purposes[(i + k) % purposes.length];
      return {
        touchpointId: `${RUN}-edge-${i}-${k}`,
        customerId: customerId((i * 13 + k * 29) % CUSTOMERS),
        occurredAt,
        channel,
        category: categoryOf(channel),
        interaction: 'survey_response',
        touchpointName: `edge-survey-${k % 3}`,
        survey: { nps: (i * 3 + k) % 11, csat: 1 + ((i + k) % 5), ces: 1 + ((i * k) % 7) },
        ...(purpose === undefined ? {} : { purposes: purpose }),
      };
    }),
  );
}

/** The first round: generated journeys, purposes on some touchpoints, and the edge answers. */
function firstRound(): Touchpoint[] {
  const base = journeys(RUN, CUSTOMERS, 5000, 29).map((t, i): Touchpoint => {
    if (i % 7 === 0) return { ...t, purposes: ['analytics'] };
    if (i % 11 === 0) return { ...t, purposes: [OPT_IN] };
    if (i % 13 === 0) return { ...t, purposes: [OPT_IN, 'analytics'] };
    return t;
  });
  return [...base, ...edgeAnswers()];
}

/**
 * Months after their journeys: a repurchase and a referral of every third customer, which move
 * their current stage (and with it every past answer of theirs when grouped by stage), and an
 * answer at Madrid's 2026 clock change or at Kathmandu's midnight.
 */
function lateRound(): Touchpoint[] {
  const out: Touchpoint[] = [];
  for (let c = 1; c < CUSTOMERS; c += 3) {
    const id = customerId(c);
    out.push(
      {
        touchpointId: `${id}-late-repurchase`,
        customerId: id,
        occurredAt: '2026-06-15T09:30:00.000Z',
        channel: 'web',
        category: 'interactive',
        interaction: 'repurchase',
        value: { amount: 120, currency: 'EUR' },
      },
      {
        touchpointId: `${id}-late-referral`,
        customerId: id,
        occurredAt: '2026-06-20T16:45:00.000Z',
        channel: 'social_media',
        category: 'interactive',
        interaction: 'referral',
      },
      {
        touchpointId: `${id}-late-survey`,
        customerId: id,
        occurredAt: c % 2 === 1 ? '2026-03-29T01:00:00.000Z' : '2026-04-30T18:15:00.000Z',
        channel: 'email',
        category: 'interactive',
        interaction: 'survey_response',
        survey: { nps: c % 11, csat: 1 + (c % 5), ces: 1 + (c % 7) },
        ...(c % 4 === 1 ? { purposes: [OPT_IN] } : {}),
      },
    );
  }
  return out;
}

interface Answer<T> {
  readonly status: number;
  readonly body: T;
}

async function getJson<T>(url: string): Promise<Answer<T>> {
  const response = await fetch(url);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Left as text: the assertion shows it.
  }
  return { status: response.status, body: body as T };
}

interface BatchBody {
  results: { touchpointId: string; status: string; position: number | null }[];
}
interface ErrorBody {
  error: string;
  details: { path: string; message: string }[];
}

/** One request of the comparison and the body it must answer with. */
interface Case {
  readonly path: string;
  readonly params: Record<string, string>;
  readonly expected: unknown;
}

interface MetricsCase {
  readonly window: readonly [string, string];
  readonly interval: BucketSize | undefined;
  readonly groupBy: GroupBy | undefined;
  /** undefined: the parameter left out (UTC by default). */
  readonly timeZone: string | undefined;
}

const qs = (params: Readonly<Record<string, string>>): string =>
  new URLSearchParams(params).toString();

const iso = (instant: string): string => new Date(Date.parse(instant)).toISOString();

function metricsCases(
  windows: readonly (readonly [string, string])[],
  zones: readonly (string | undefined)[],
  intervals: readonly (BucketSize | undefined)[] = INTERVALS,
  groups: readonly (GroupBy | undefined)[] = GROUPS,
): MetricsCase[] {
  return windows.flatMap((window) =>
    zones.flatMap((timeZone) =>
      intervals.flatMap((interval) =>
        groups.map((groupBy): MetricsCase => ({ window, interval, groupBy, timeZone })),
      ),
    ),
  );
}

function metricsCase(expected: ExpectedAnalytics, c: MetricsCase): Case {
  const from = iso(c.window[0]);
  const to = iso(c.window[1]);
  const timeZone = c.timeZone ?? 'UTC';
  return {
    path: '/v1/metrics',
    params: {
      from: c.window[0],
      to: c.window[1],
      ...(c.interval === undefined ? {} : { interval: c.interval }),
      ...(c.groupBy === undefined ? {} : { groupBy: c.groupBy }),
      ...(c.timeZone === undefined ? {} : { timeZone: c.timeZone }),
    },
    expected: {
      from,
      to,
      interval: c.interval ?? null,
      groupBy: c.groupBy ?? null,
      timeZone,
      rows: expected.metrics({
        from,
        to,
        timeZone,
        ...(c.interval === undefined ? {} : { bucket: c.interval }),
        ...(c.groupBy === undefined ? {} : { groupBy: c.groupBy }),
      }),
    },
  };
}

function complaintCases(
  expected: ExpectedAnalytics,
  windows: readonly (readonly [string, string])[],
): Case[] {
  return windows.flatMap(([sentFrom, sentTo]) => {
    const from = iso(sentFrom);
    const to = iso(sentTo);
    const params = { from: sentFrom, to: sentTo };
    return [
      {
        path: '/v1/complaints',
        params,
        expected: {
          from,
          to,
          groupBy: null,
          rows: [{ group: null, ...expected.complaints(from, to) }],
        },
      },
      {
        path: '/v1/complaints',
        params: { ...params, groupBy: 'channel' },
        expected: {
          from,
          to,
          groupBy: 'channel',
          rows: complaintMetricsByChannel(expected.counted, { from, to }).map(
            ({ channel, metrics }) => ({ group: channel, ...metrics }),
          ),
        },
      },
    ];
  });
}

/**
 * The organisation's other figures over the same windows: revenue (with the mean value per stage),
 * churn, the funnel, the perception gap, and some customers' lifetime value.
 */
function organisationCases(
  expected: ExpectedAnalytics,
  windows: readonly (readonly [string, string])[],
  customers: readonly string[],
): Case[] {
  const cases: Case[] = [];
  for (const [sentFrom, sentTo] of windows) {
    const from = iso(sentFrom);
    const to = iso(sentTo);
    for (const timeZone of ['UTC', 'Asia/Kathmandu']) {
      for (const interval of [undefined, 'day', 'month'] as const) {
        const bucketed = {
          from,
          to,
          timeZone,
          ...(interval === undefined ? {} : { bucket: interval }),
        };
        const params = {
          from: sentFrom,
          to: sentTo,
          timeZone,
          ...(interval === undefined ? {} : { interval }),
        };
        cases.push({
          path: '/v1/churn',
          params,
          expected: {
            from,
            to,
            interval: interval ?? null,
            timeZone,
            rows: expected.churn(bucketed),
          },
        });
        for (const groupBy of [undefined, 'channel', 'stage'] as const) {
          cases.push({
            path: '/v1/revenue',
            params: { ...params, ...(groupBy === undefined ? {} : { groupBy }) },
            expected: {
              from,
              to,
              interval: interval ?? null,
              groupBy: groupBy ?? null,
              timeZone,
              ...expected.revenue({ ...bucketed, ...(groupBy === undefined ? {} : { groupBy }) }),
            },
          });
        }
      }
    }
    cases.push({
      path: '/v1/funnel',
      params: { from: sentFrom, to: sentTo },
      expected: { from, to, ...expected.funnel(from, to) },
    });
    cases.push({
      path: '/v1/moments-of-truth',
      params: { from: sentFrom, to: sentTo },
      expected: { from, to, horizonDays: 30, rows: expected.momentsOfTruth(from, to) },
    });
  }
  for (const groupBy of ['touchpointName', 'channel'] as const) {
    cases.push({
      path: '/v1/perception-gap',
      params: { groupBy },
      expected: { groupBy, rows: expected.perceptionGap(groupBy) },
    });
  }
  for (const customerId of customers) {
    cases.push({
      path: `/v1/customers/${customerId}/value`,
      params: {},
      expected: { customerId, values: expected.customerValue(customerId) },
    });
  }
  return cases;
}

const describeRequest = (c: Case): string => `GET ${c.path}?${qs(c.params)}`;

/** A short account of how an answer differs from the expected body, or null when it does not. */
function difference(c: Case, answer: Answer<unknown>): string | null {
  const actual = answer.body;
  if (answer.status === 200 && JSON.stringify(actual) === JSON.stringify(c.expected)) return null;
  const head = `${describeRequest(c)}: `;
  if (answer.status !== 200) return `${head}${answer.status} ${JSON.stringify(actual)}`;
  const want = c.expected as Record<string, unknown>;
  const got = actual as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of new Set([...Object.keys(want), ...Object.keys(got)])) {
    if (key === 'rows') continue;
    if (JSON.stringify(want[key]) !== JSON.stringify(got[key])) {
      parts.push(`${key} expected ${JSON.stringify(want[key])}, got ${JSON.stringify(got[key])}`);
    }
  }
  const wantRows = (want.rows ?? []) as unknown[];
  const gotRows = (Array.isArray(got.rows) ? got.rows : []) as unknown[];
  if (JSON.stringify(wantRows) !== JSON.stringify(gotRows)) {
    const at = wantRows.findIndex((row, i) => JSON.stringify(row) !== JSON.stringify(gotRows[i]));
    const i = at === -1 ? wantRows.length : at;
    parts.push(
      `rows (${wantRows.length} expected, ${gotRows.length} got) first differ at ${i}: ` +
        `expected ${JSON.stringify(wantRows[i])}, got ${JSON.stringify(gotRows[i])}`,
    );
  }
  return head + parts.join('; ');
}

/**
 * CX analytics through the services as deployed: ingestion, projector (with `marketing.email`
 * opt-in) and query from dist/, on a scratch database of this file and the test broker. Every
 * answer of `/v1/metrics` and `/v1/complaints` must equal what the domain library computes from
 * the same touchpoints and consents, whole body included.
 */
describe('experience analytics (e2e)', () => {
  let db: ScratchDatabase;
  let ingestion: RunningService;
  let projector: RunningService;
  let query: RunningService;
  const sent: Touchpoint[] = [];
  const consents = new Map<string, ConsentChange[]>();
  let highest = 0;
  const timings: string[] = [];

  /**
   * The library over every touchpoint the projector applied: the broker's topic is shared with the
   * other suites, so the projector (a group of its own, reading from the start) also applies theirs,
   * and organisation-wide figures include them. Each of this file's touchpoints must be among them.
   */
  const expectation = async (): Promise<ExpectedAnalytics> => {
    const { rows } = await db.pool.query<{ payload: Touchpoint }>(
      'SELECT payload FROM projection_touchpoints',
    );
    const applied = rows.map((r) => r.payload);
    const ids = new Set(applied.map((t) => t.touchpointId));
    expect(sent.filter((t) => !ids.has(t.touchpointId)).map((t) => t.touchpointId)).toEqual([]);
    return new ExpectedAnalytics(applied, consents, POLICY);
  };

  const postBatches = async (list: readonly Touchpoint[]): Promise<void> => {
    const rejected: string[] = [];
    for (let at = 0; at < list.length; at += 1000) {
      const batch = list.slice(at, at + 1000);
      const response = await fetch(`${ingestion.url}/v1/touchpoints/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ touchpoints: batch }),
      });
      const text = await response.text();
      if (response.status !== 202)
        throw new Error(`ingestion answered ${response.status}: ${text}`);
      const { results } = JSON.parse(text) as BatchBody;
      expect(results).toHaveLength(batch.length);
      for (const result of results) {
        if (result.position === null || !['accepted', 'duplicate'].includes(result.status)) {
          rejected.push(JSON.stringify(result));
        } else {
          highest = Math.max(highest, result.position);
        }
      }
      sent.push(...batch);
    }
    expect(rejected).toEqual([]);
  };

  const recordConsents = async (
    changes: readonly (ConsentChange & { customerId: string })[],
  ): Promise<void> => {
    const answers = await mapLimited(
      changes,
      CONCURRENCY,
      async ({ customerId: id, ...change }) => {
        const response = await fetch(`${ingestion.url}/v1/customers/${id}/consents`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(change),
        });
        return { status: response.status, body: await response.text() };
      },
    );
    expect(answers.filter((a) => a.status !== 202)).toEqual([]);
    for (const { customerId: id, ...change } of changes) {
      consents.set(id, [...(consents.get(id) ?? []), change]);
    }
  };

  const answersOf = (cases: readonly Case[], consistent = true): Promise<Answer<unknown>[]> =>
    mapLimited(cases, CONCURRENCY, (c) => {
      // Once caught up, every request can say so at once; the wait itself is `caughtUp`'s.
      const params = consistent
        ? { ...c.params, minPosition: String(highest), waitMs: '1000' }
        : c.params;
      return getJson<unknown>(`${query.url}${c.path}?${qs(params)}`);
    });

  /** Mismatches of the cases' answers, each with the request, its parameters and the difference. */
  const mismatches = async (cases: readonly Case[], consistent = true): Promise<string[]> => {
    const answers = await answersOf(cases, consistent);
    return answers.flatMap((answer, i) => difference(cases[i] as Case, answer) ?? []);
  };

  /** Waits (up to MAX_WAIT_MS) for the projection to apply every position ingestion answered. */
  const caughtUp = async (): Promise<void> => {
    const started = performance.now();
    const answer = await getJson<unknown>(
      `${query.url}/v1/metrics?${qs({ from: '2024-01-01T00:00:00Z', to: '2024-01-02T00:00:00Z', minPosition: String(highest), waitMs: String(MAX_WAIT_MS) })}`,
    );
    timings.push(`caught up with ${highest}: ${(performance.now() - started).toFixed(0)} ms`);
    if (answer.status !== 200) {
      throw new Error(
        `not caught up with ${highest}: ${answer.status} ${JSON.stringify(answer.body)}\n` +
          `projector output (tail):\n${projector.output().slice(-4000)}`,
      );
    }
  };

  /** A few cases of each kind: what the consent follower's and the rebuild's reads are held to. */
  const sample = (expected: ExpectedAnalytics): Case[] => [
    ...metricsCases([WINDOWS[0] as [string, string]], ['UTC'], INTERVALS, GROUPS).map((c) =>
      metricsCase(expected, c),
    ),
    ...metricsCases(
      WINDOWS.slice(2),
      ['Europe/Madrid', 'Asia/Kathmandu'],
      ['day', 'week'],
      [undefined, 'stage'],
    ).map((c) => metricsCase(expected, c)),
    ...complaintCases(expected, WINDOWS.slice(0, 2)),
    ...organisationCases(expected, WINDOWS.slice(0, 1), [...expected.stages.keys()].slice(0, 10)),
  ];

  const timed = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings.push(`${what}: ${(performance.now() - started).toFixed(0)} ms`);
    }
  };

  beforeAll(async () => {
    for (const app of ['ingestion', 'projector', 'query', 'cli']) distMain(app);
    db = await createScratchDatabase('cx_an');
    const env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers(),
      // A group of its own: its offsets are this database's, not those of other suites' projectors.
      PROJECTOR_GROUP: `projector.${RUN}`,
      PROJECTOR_CHUNK: '500',
      PROJECTOR_SESSION_TIMEOUT_MS: '6000',
      CX_OPT_IN_PURPOSES: OPT_IN,
    };
    [ingestion, projector, query] = await Promise.all([
      startService('ingestion', env, 'ingestion'),
      startService('projector', env, 'projector'),
      startService('query', env, 'query'),
    ]);
  });

  afterAll(async () => {
    for (const service of [projector, ingestion, query]) {
      if (service) await stopService(service, 'SIGKILL');
    }
    await db?.drop();
    if (timings.length > 0) console.log(`analytics timings\n${timings.join('\n')}`);
  });

  it('counts what consents recorded beforehand allow, answers on bucket edges in every zone', async () => {
    // Before any touchpoint: opt-in granted for every third customer, analytics withdrawn for
    // every fourth from mid-May.
    const before: (ConsentChange & { customerId: string })[] = [];
    for (let c = 0; c < CUSTOMERS; c++) {
      const id = customerId(c);
      if (c % 3 === 0) {
        before.push({
          customerId: id,
          consentId: `${id}-grant`,
          purpose: OPT_IN,
          status: 'granted',
          effectiveAt: '2025-02-01T00:00:00Z',
        });
      }
      if (c % 4 === 1) {
        before.push({
          customerId: id,
          consentId: `${id}-withdraw`,
          purpose: 'analytics',
          status: 'withdrawn',
          effectiveAt: '2025-05-15T12:00:00+02:00',
        });
      }
    }
    await timed(`${before.length} consents`, () => recordConsents(before));

    const round = shuffledWithDuplicates(firstRound(), 31, 0.05);
    await timed(`first round, ${round.length} touchpoints`, () => postBatches(round));

    await caughtUp();
    const expected = await expectation();
    // Consents leave out a good part of the answers, so the comparison tells them apart.
    const ours = new Set(sent.map((t) => t.touchpointId));
    const unique = ours.size;
    const counted = expected.counted.filter((t) => ours.has(t.touchpointId)).length;
    expect(unique).toBeGreaterThan(4000);
    expect(counted).toBeLessThan(unique * 0.95);
    expect(counted).toBeGreaterThan(unique * 0.5);

    const cases = [
      ...metricsCases(WINDOWS, ['UTC', 'Europe/Madrid', 'Asia/Kathmandu'], INTERVALS, [
        undefined,
        'channel',
        'stage',
      ]).map((c) => metricsCase(expected, c)),
      ...complaintCases(expected, WINDOWS),
    ];
    expect(await timed(`${cases.length} comparisons`, () => mismatches(cases))).toEqual([]);
  });

  it('follows consent changes recorded after the touchpoints', async () => {
    const before = await expectation();
    const after: (ConsentChange & { customerId: string })[] = [];
    for (let c = 0; c < CUSTOMERS; c++) {
      const id = customerId(c);
      if (c % 5 === 2) {
        after.push({
          customerId: id,
          consentId: `${id}-withdraw-late`,
          purpose: 'analytics',
          status: 'withdrawn',
          effectiveAt: '2025-08-01T00:00:00Z',
        });
      }
      if (c % 7 === 3) {
        after.push({
          customerId: id,
          consentId: `${id}-grant-late`,
          purpose: OPT_IN,
          status: 'granted',
          effectiveAt: '2024-01-01T00:00:00Z',
        });
      }
      if (c % 9 === 0) {
        after.push({
          customerId: id,
          consentId: `${id}-opt-out`,
          purpose: OPT_IN,
          status: 'withdrawn',
          effectiveAt: '2025-09-01T00:00:00Z',
        });
      }
    }
    await recordConsents(after);
    const expected = await expectation();
    // Otherwise the wait below would prove nothing.
    expect(expected.counted.length).not.toBe(before.counted.length);

    const cases = sample(expected);
    const started = performance.now();
    // Consent changes reach no topic and no position: the follower takes them in within a while.
    // Polled on the rows, what the follower changes; the whole bodies are compared after.
    const rowsOf = (body: unknown): string =>
      JSON.stringify((body as { rows?: unknown } | null)?.rows);
    await eventually(
      'the consent follower to count the new consents',
      async () => {
        const answers = await answersOf(cases, false);
        const settled = answers.every(
          (a, i) => a.status === 200 && rowsOf(a.body) === rowsOf(cases[i]?.expected),
        );
        return settled ? true : undefined;
      },
      FOLLOW_TIMEOUT_MS,
      250,
    ).catch(() => undefined);
    timings.push(`consent follower: ${(performance.now() - started).toFixed(0)} ms`);
    expect(await mismatches(cases, false)).toEqual([]);
  });

  it("moves a customer's answers to their new stage when late touchpoints arrive, whole matrix", async () => {
    const stagesBefore = new Map<string, Stage>((await expectation()).stages);
    await postBatches(shuffledWithDuplicates(lateRound(), 37, 0.2));
    await caughtUp();
    const expected = await expectation();
    const moved = [...expected.stages].filter(([id, stage]) => stagesBefore.get(id) !== stage);
    expect(moved.length).toBeGreaterThan(10);

    const cases = [
      ...metricsCases(WINDOWS, ZONES).map((c) => metricsCase(expected, c)),
      // Without timeZone the buckets are UTC's, and so is the echo.
      ...metricsCases(
        WINDOWS.slice(0, 2),
        [undefined],
        ['week', 'month'],
        [undefined, 'stage'],
      ).map((c) => metricsCase(expected, c)),
      ...complaintCases(expected, WINDOWS),
      ...organisationCases(expected, WINDOWS, [...expected.stages.keys()].slice(0, 40)),
    ];
    expect(cases.length).toBeGreaterThan(WINDOWS.length * ZONES.length * 4 * 6);
    expect(await timed(`${cases.length} comparisons`, () => mismatches(cases))).toEqual([]);

    // The comparison is not of empty answers: day buckets by stage hold many rows.
    const byDay = await getJson<{ rows: unknown[] }>(
      `${query.url}/v1/metrics?${qs({ from: '2024-06-01T00:00:00Z', to: '2026-12-01T00:00:00Z', interval: 'day', groupBy: 'stage' })}`,
    );
    expect(byDay.body.rows.length).toBeGreaterThan(100);
  });

  it.each([
    ['missing from', '/v1/metrics', { to: '2025-02-01T00:00:00Z' }, 'from'],
    [
      'to not after from',
      '/v1/metrics',
      { from: '2025-02-01T00:00:00Z', to: '2025-02-01T00:00:00Z' },
      'to',
    ],
    [
      'a window over 5 years',
      '/v1/metrics',
      { from: '2020-01-01T00:00:00Z', to: '2025-01-01T00:00:00.001Z' },
      'to',
    ],
    [
      'interval=hour',
      '/v1/metrics',
      { from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z', interval: 'hour' },
      'interval',
    ],
    [
      'groupBy=nope',
      '/v1/metrics',
      { from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z', groupBy: 'nope' },
      'groupBy',
    ],
    [
      'timeZone=Mars/Base',
      '/v1/metrics',
      { from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z', timeZone: 'Mars/Base' },
      'timeZone',
    ],
    [
      'from without a time',
      '/v1/metrics',
      { from: '2025-01-01', to: '2025-02-01T00:00:00Z' },
      'from',
    ],
    ['complaints: missing from', '/v1/complaints', { to: '2025-02-01T00:00:00Z' }, 'from'],
    [
      'complaints: groupBy=stage',
      '/v1/complaints',
      { from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z', groupBy: 'stage' },
      'groupBy',
    ],
    [
      'revenue: timeZone=Mars/Base',
      '/v1/revenue',
      { from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z', timeZone: 'Mars/Base' },
      'timeZone',
    ],
    [
      'churn: a window over 5 years',
      '/v1/churn',
      { from: '2020-01-01T00:00:00Z', to: '2025-01-01T00:00:00.001Z' },
      'to',
    ],
    ['funnel: missing to', '/v1/funnel', { from: '2025-01-01T00:00:00Z' }, 'to'],
    ['perception gap: groupBy=stage', '/v1/perception-gap', { groupBy: 'stage' }, 'groupBy'],
  ] as const)(
    'refuses %s with 400 invalid_request naming the parameter',
    async (_, path, params, named) => {
      const answer = await getJson<ErrorBody>(`${query.url}${path}?${qs(params)}`);
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        error: 'invalid_request',
        details: expect.arrayContaining([
          { path: expect.any(String) as unknown, message: expect.any(String) as unknown },
        ]) as unknown,
      });
      expect(answer.body.details[0]?.path).toBe(named);
    },
  );

  it('answers 404 for the value of a customer it has never seen', async () => {
    const answer = await getJson<ErrorBody>(`${query.url}/v1/customers/${RUN}-nobody/value`);
    expect(answer.status).toBe(404);
    expect(answer.body.error).toBe('customer_not_found');
  });

  it('takes a window of exactly 5 years', async () => {
    const answer = await getJson<{ from: string; to: string }>(
      `${query.url}/v1/metrics?${qs({ from: '2020-01-01T00:00:00Z', to: '2025-01-01T00:00:00Z' })}`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      from: '2020-01-01T00:00:00.000Z',
      to: '2025-01-01T00:00:00.000Z',
    });
  });

  it('rebuilt by `cx projections rebuild` while serving, answers as it did live', async () => {
    const expected = await expectation();
    const cases = sample(expected);
    // The live answers, whole, are what the rebuilt tables must answer; the expectation is
    // checked last, so that a difference from it does not hide one between live and rebuilt.
    const answers = await answersOf(cases);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    const live = cases.map((c, i): Case => ({ ...c, expected: answers[i]?.body }));

    // Reads go on during the rebuild: each answer must be the live one (which is the rebuilt one).
    let rebuilding = true;
    const during = new Set<string>();
    let reads = 0;
    const reader = (async (): Promise<void> => {
      const probe = live.filter((c) => c.params.groupBy === 'stage' || c.path === '/v1/complaints');
      while (rebuilding) {
        for (const m of await mismatches(probe, false)) during.add(m);
        reads += probe.length;
      }
    })();
    const started = performance.now();
    let output: { stdout: string; stderr: string };
    try {
      output = await promisify(execFile)(
        process.execPath,
        [
          join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js'),
          'projections',
          'rebuild',
          'experience-analytics',
        ],
        {
          cwd: ROOT,
          env: { ...process.env, DATABASE_URL: db.url, CX_OPT_IN_PURPOSES: OPT_IN },
          timeout: 120_000,
        },
      );
    } finally {
      rebuilding = false;
      await reader;
    }
    timings.push(
      `rebuild: ${(performance.now() - started).toFixed(0)} ms, ${reads} reads meanwhile`,
    );
    const summary = JSON.parse(output.stdout.trim().split('\n').pop() ?? '{}') as {
      projections?: unknown;
    };
    expect(summary.projections).toEqual(['experience-analytics']);
    expect([...during]).toEqual([]);
    expect(reads).toBeGreaterThan(0);

    expect(await mismatches(live)).toEqual([]);
    expect(await mismatches(cases)).toEqual([]);
  });
});
