import type { Pool } from 'pg';
import {
  type ConsentChange,
  type ConsentPolicy,
  type GroupBy,
  type BucketSize,
  bucketSegments,
  instantMs,
  type Touchpoint,
} from '@cx/domain';
import { ConsentStore, inTransaction } from '@cx/event-store';
import {
  ANALYTICS_TABLES,
  AnalyticsQueries,
  ConsentFollower,
  ProjectionEngine,
  rebuildProjections,
  type PositionedTouchpoint,
} from '@cx/read-models';
import {
  createScratchDatabase,
  type ScratchDatabase,
} from '../../../../../test/support/scratch-database';
import { ExpectedAnalytics } from '../../../../../test/analytics/support/expected-analytics';
import { journeys, shuffledWithDuplicates } from '../../../../../test/projector/support/journeys';
import { projections } from '../projection-registry';

jest.setTimeout(300_000);

const POLICY: ConsentPolicy = { optInPurposes: new Set(['marketing.email']) };
const ZONES = ['UTC', 'Europe/Madrid', 'Asia/Kathmandu', 'America/New_York'] as const;
const INTERVALS: readonly (BucketSize | undefined)[] = [undefined, 'day', 'week', 'month'];
const GROUPS: readonly (GroupBy | undefined)[] = [
  undefined,
  'channel',
  'category',
  'pillar',
  'touchpointName',
  'stage',
];
const WINDOWS = [
  ['2024-06-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z'],
  ['2025-03-10T07:13:21.500Z', '2025-09-30T22:59:59.999Z'],
] as const;

/** Journeys with purposes on some touchpoints and answers right at zone and bucket edges. */
function fixture(): Touchpoint[] {
  const base = journeys('an', 150, 4000, 17).map((t, i): Touchpoint => {
    if (i % 7 === 0) return { ...t, purposes: ['analytics'] };
    if (i % 11 === 0) return { ...t, purposes: ['marketing.email'] };
    return t;
  });
  const edges = [
    '2025-03-30T00:59:59.999Z', // the last ms before Madrid's clocks go forward
    '2025-03-30T01:00:00.000Z',
    '2025-10-25T22:00:00.000Z', // Madrid's midnight, UTC+2
    '2025-10-26T23:00:00.000Z', // Madrid's midnight, UTC+1
    '2025-06-01T18:14:59.999Z', // Kathmandu's midnight is 18:15 UTC
    '2025-06-01T18:15:00.000Z',
    '2025-12-31T23:59:59.999Z',
    '2026-01-01T00:00:00.000Z',
  ];
  const extra = edges.map((occurredAt, i): Touchpoint => ({
    touchpointId: `an-edge-${i}`,
    customerId: `an-${String(i % 5).padStart(3, '0')}`,
    occurredAt,
    channel: i % 2 === 0 ? 'chat' : 'web',
    category: 'interactive',
    interaction: 'survey_response',
    survey: { nps: (i * 3) % 11, csat: 1 + (i % 5), ces: 1 + (i % 7) },
  }));
  return [...base, ...extra];
}

describe('experience analytics projection (real Postgres)', () => {
  let db: ScratchDatabase;
  let pool: Pool;
  const all = projections(POLICY);
  const analytics = all.find((p) => p.name === 'experience-analytics');
  const consents = new Map<string, ConsentChange[]>();
  const positions = new Map<string, number>();

  const apply = async (list: readonly Touchpoint[]): Promise<void> => {
    const engine = new ProjectionEngine(pool, 'analytics-tests', all);
    let at = 0;
    let size = 1;
    while (at < list.length) {
      const items: PositionedTouchpoint[] = list.slice(at, at + size).map((touchpoint) => {
        let position = positions.get(touchpoint.touchpointId);
        if (position === undefined) {
          position = positions.size + 1;
          positions.set(touchpoint.touchpointId, position);
        }
        return { touchpoint, position };
      });
      await inTransaction(pool, (client) => engine.applyInTransaction(client, items));
      at += size;
      size = (size * 7) % 401 || 1;
    }
  };

  const record = async (customerId: string, change: ConsentChange): Promise<void> => {
    await new ConsentStore(pool).append({ ...change, customerId });
    consents.set(customerId, [...(consents.get(customerId) ?? []), change]);
  };

  const compareAll = async (sent: readonly Touchpoint[]): Promise<number> => {
    const expected = new ExpectedAnalytics(sent, consents, POLICY);
    const queries = new AnalyticsQueries(pool);
    // Consents leave out a good part of the touchpoints, so the comparison tells them apart.
    const unique = new Set(sent.map((t) => t.touchpointId)).size;
    expect(expected.counted.length).toBeLessThan(unique * 0.95);
    expect(expected.counted.length).toBeGreaterThan(unique * 0.5);
    let compared = 0;
    for (const [from, to] of WINDOWS) {
      for (const timeZone of ZONES) {
        for (const bucket of INTERVALS) {
          const segments = bucketSegments(instantMs(from), instantMs(to), bucket, timeZone);
          for (const groupBy of GROUPS) {
            const actual = await queries.experienceMetrics(segments, groupBy);
            const want = expected.metrics({
              from,
              to,
              timeZone,
              ...(bucket === undefined ? {} : { bucket }),
              ...(groupBy === undefined ? {} : { groupBy }),
            });
            expect({ from, to, timeZone, bucket, groupBy, rows: actual }).toEqual({
              from,
              to,
              timeZone,
              bucket,
              groupBy,
              rows: want,
            });
            if (bucket === 'day' && groupBy === 'stage') expect(actual.length).toBeGreaterThan(50);
            compared++;
          }
        }
      }
      const [complaints] = await queries.complaints(instantMs(from), instantMs(to), false);
      expect(complaints).toEqual({ group: null, ...expected.complaints(from, to) });
      expect(await queries.complaints(instantMs(from), instantMs(to), true)).toEqual(
        expected.complaintsByChannel(from, to).map((r) => ({ group: r.channel, ...r.metrics })),
      );
      expect(await queries.funnel(instantMs(from), instantMs(to))).toEqual(
        expected.funnel(from, to),
      );
      const moments = await queries.momentsOfTruth(instantMs(from), instantMs(to));
      expect(moments.some((m) => m.dropShare > 0) && moments.some((m) => m.riseShare > 0)).toBe(
        true,
      );
      expect(moments).toEqual(expected.momentsOfTruth(from, to));
      for (const timeZone of ZONES) {
        for (const bucket of INTERVALS) {
          const segments = bucketSegments(instantMs(from), instantMs(to), bucket, timeZone);
          const query = { from, to, timeZone, ...(bucket === undefined ? {} : { bucket }) };
          expect(await queries.churn(segments)).toEqual(expected.churn(query));
          for (const groupBy of GROUPS) {
            expect(await queries.revenue(segments, groupBy)).toEqual(
              expected.revenue({ ...query, ...(groupBy === undefined ? {} : { groupBy }) }),
            );
          }
        }
      }
    }
    for (const groupBy of ['touchpointName', 'channel'] as const) {
      const gap = await queries.perceptionGap(groupBy);
      expect(gap.length).toBeGreaterThan(0);
      expect(gap).toEqual(expected.perceptionGap(groupBy));
    }
    for (const customer of ['an-000', 'an-001', 'an-042', 'an-149']) {
      expect(await queries.customerValue(customer)).toEqual(expected.customerValue(customer));
    }
    expect(await queries.customerValue('an-nobody')).toBeNull();
    return compared;
  };

  beforeAll(async () => {
    db = await createScratchDatabase('cx_an');
    pool = db.pool;
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('agrees with the domain library, live and rebuilt, whatever the order and the consents', async () => {
    if (analytics === undefined) throw new Error('experience-analytics is not registered');
    const sent = shuffledWithDuplicates(fixture(), 5, 0.1);
    // Consents before their touchpoints arrive: granted opt-in for some, withdrawn for others.
    for (let c = 0; c < 150; c += 3) {
      const customer = `an-${String(c).padStart(3, '0')}`;
      await record(customer, {
        consentId: `${customer}-grant`,
        purpose: 'marketing.email',
        status: 'granted',
        effectiveAt: '2025-02-01T00:00:00.000Z',
      });
    }
    const half = Math.floor(sent.length / 2);
    await apply(sent.slice(0, half));
    // Consent changes while touchpoints flow: the follower derives those customers again.
    for (let c = 1; c < 150; c += 4) {
      const customer = `an-${String(c).padStart(3, '0')}`;
      await record(customer, {
        consentId: `${customer}-withdraw`,
        purpose: 'analytics',
        status: 'withdrawn',
        effectiveAt: '2025-05-15T12:00:00.000Z',
      });
    }
    await apply(sent.slice(half));
    const follower = new ConsentFollower(pool, all);
    expect(await follower.followOnce()).toBeGreaterThan(0);
    expect(await follower.followOnce()).toBe(0);

    expect(await compareAll(sent)).toBe(2 * ZONES.length * INTERVALS.length * GROUPS.length);

    const liveTables = await snapshot(pool);
    const rebuilt = await rebuildProjections(pool, all, [analytics]);
    expect(rebuilt.projections).toEqual(['experience-analytics']);
    expect(await snapshot(pool)).toEqual(liveTables);
    // The switch-over hands consent changes since the rebuild began to the follower again.
    await follower.followOnce();
    expect(await snapshot(pool)).toEqual(liveTables);
    await compareAll(sent);
  });
});

/** Rows of the sums tables that fell back to zero live: a rebuild never makes them. */
const ZERO: Readonly<Record<string, string>> = {
  analytics_answer_cells: 'nps_answers = 0 AND csat_answers = 0 AND ces_answers = 0',
  analytics_revenue_cells: 'purchases = 0 AND amount = 0',
  analytics_churn_cells: 'cancellations = 0 AND lost = 0',
  analytics_entry_cells: 'entered = 0 AND rose = 0',
  analytics_stage_counts: 'customers = 0',
  analytics_value_by_stage: 'customers = 0 AND amount = 0',
  analytics_perception_totals: 'pairs = 0',
};

/** Every analytics table's contents in key order, rows at zero left out. */
async function snapshot(pool: Pool): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of ANALYTICS_TABLES) {
    const zero = ZERO[table.name];
    const { rows } = await pool.query<Record<string, unknown>>(
      `SELECT * FROM ${table.name} ${zero === undefined ? '' : `WHERE NOT (${zero})`}
        ORDER BY ${table.primaryKey.join(', ')}`,
    );
    out[table.name] = rows;
  }
  return out;
}
