import {
  bucketOf,
  churn,
  complaintMetrics,
  customerValue,
  meanValueByStage,
  stageConversion,
  complaintMetricsByChannel,
  experienceMetrics,
  funnel,
  nearestRank,
  perceptionGap,
  revenue,
  stagesByCustomer,
} from './metrics';
import { deriveProfiles } from './profile';
import { deriveStageHistory } from './stage-history';
import { tp } from './touchpoint-builders.test-support';

const nps = (n: number, day = 0, extra: Partial<{ customerId: string; pillar: 'people' }> = {}) =>
  tp({ interaction: 'survey_response', survey: { nps: n }, day, ...extra });

describe('NPS, CSAT, CES (§5)', () => {
  it('computes figures with their counts, rounded to 9 dp', () => {
    const rows = experienceMetrics([
      nps(10),
      nps(9),
      nps(8),
      nps(7),
      nps(6),
      nps(0),
      tp({ interaction: 'survey_response', survey: { csat: 5, ces: 1 } }),
      tp({ interaction: 'survey_response', survey: { csat: 4, ces: 7 } }),
      tp({ interaction: 'survey_response', survey: { csat: 3, ces: 4 } }),
    ]);
    // NPS 100 × (2 − 2) / 6 = 0; CSAT 100 × 2 / 3 = 66.666666667; CES (1 + 7 + 4) / 3 = 4
    expect(rows).toEqual([
      {
        bucket: null,
        group: null,
        nps: { score: 0, answers: 6, promoters: 2, passives: 2, detractors: 2 },
        csat: { score: 66.666666667, answers: 3, satisfied: 2 },
        ces: { score: 4, answers: 3 },
      },
    ]);
  });

  it('null figures where there are no answers', () => {
    const [row] = experienceMetrics([nps(9)]);
    expect(row?.csat).toEqual({ score: null, answers: 0, satisfied: 0 });
    expect(row?.nps.score).toBe(100);
  });

  it('window is [from, to)', () => {
    const rows = experienceMetrics([nps(10, 0), nps(0, 1), nps(0, 2)], {
      from: '2025-01-01T00:00:00.000Z',
      to: '2025-01-03T00:00:00.000Z',
    });
    expect(rows[0]?.nps).toMatchObject({ answers: 2, score: 0 });
  });

  it('groups by pillar with null for touchpoints without one, and by current stage', () => {
    const history = [
      nps(10, 0, { customerId: 'a', pillar: 'people' }),
      nps(0, 0, { customerId: 'b' }),
      tp({ interaction: 'purchase', customerId: 'b' }),
    ];
    expect(
      experienceMetrics(history, { groupBy: 'pillar' }).map((r) => [r.group, r.nps.score]),
    ).toEqual([
      [null, -100],
      ['people', 100],
    ]);
    const stages = stagesByCustomer(deriveProfiles(history).profiles);
    expect(
      experienceMetrics(history, { groupBy: 'stage' }, { stages }).map((r) => [
        r.group,
        r.nps.score,
      ]),
    ).toEqual([
      ['awareness', 100],
      ['selection', -100],
    ]);
  });

  it('buckets by day, ISO week (Monday) and month, in UTC or a time zone', () => {
    // 2025-01-01 is a Wednesday
    const wed = Date.UTC(2025, 0, 1, 3);
    expect(bucketOf(wed, 'day')).toBe('2025-01-01');
    expect(bucketOf(wed, 'week')).toBe('2024-12-30');
    expect(bucketOf(wed, 'month')).toBe('2025-01-01');
    expect(bucketOf(Date.UTC(2025, 0, 5, 23), 'week')).toBe('2024-12-30'); // Sunday
    expect(bucketOf(Date.UTC(2025, 0, 6), 'week')).toBe('2025-01-06'); // Monday
    // 03:00 UTC is still 31 December in New York
    expect(bucketOf(wed, 'day', 'America/New_York')).toBe('2024-12-31');
    expect(bucketOf(wed, 'month', 'America/New_York')).toBe('2024-12-01');
    const rows = experienceMetrics([nps(10, 0), nps(0, 1)], { bucket: 'day' });
    expect(rows.map((r) => [r.bucket, r.nps.score])).toEqual([
      ['2025-01-01', 100],
      ['2025-01-02', -100],
    ]);
  });
});

describe('complaints (§5)', () => {
  it('counts the openings and resolutions that count, with nearest-rank times', () => {
    const h = [
      // k1 resolved after 1 h (within), k2 after 72 h (outside), k3 open, k4 resolution without opening
      tp({ interaction: 'complaint_opened', complaintId: 'k1', reason: 'delay' }),
      tp({ interaction: 'complaint_resolved', complaintId: 'k1', seconds: 3600 }),
      tp({ interaction: 'complaint_resolved', complaintId: 'k1', seconds: 7200 }),
      tp({ interaction: 'complaint_opened', complaintId: 'k2', reason: 'billing' }),
      tp({ interaction: 'complaint_opened', complaintId: 'k2', reason: 'billing', seconds: 5 }),
      tp({ interaction: 'complaint_resolved', complaintId: 'k2', day: 3 }),
      tp({ interaction: 'complaint_opened', complaintId: 'k3', reason: 'other' }),
      tp({ interaction: 'complaint_resolved', complaintId: 'k4' }),
    ];
    // times 3600 and 259200: median rank ⌈0.5·2⌉ = 1 → 3600; p90 rank ⌈1.8⌉ = 2 → 259200
    expect(complaintMetrics(h)).toEqual({
      opened: 3,
      resolved: 2,
      openNow: 1,
      medianSecondsToResolve: 3600,
      p90SecondsToResolve: 259_200,
      withinSlaShare: 0.5,
    });
  });
  it('nearest rank', () => {
    expect(nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(nearestRank([1, 2, 3], 50)).toBe(2);
    expect(nearestRank([], 50)).toBeNull();
  });
  it('nearest rank is computed in integers, not from a rounded p / 100', () => {
    const upTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    // ⌈90 · 30 / 100⌉ = 27
    expect(nearestRank(upTo(30), 90)).toBe(27);
    // 7 / 100 · 100 = 7.000000000000001 and 14 / 100 · 50 = 7.000000000000001 made these the 8th
    expect(nearestRank(upTo(100), 7)).toBe(7);
    expect(nearestRank(upTo(50), 14)).toBe(7);
    // ⌈90 · 31 / 100⌉ = ⌈27.9⌉ = 28; p = 0 still takes the smallest
    expect(nearestRank(upTo(31), 90)).toBe(28);
    expect(nearestRank(upTo(31), 0)).toBe(1);
  });
  it('per channel of the counted opening, adding up to the totals', () => {
    const h = [
      // k1 opened by phone (its earliest opening), re-opened on the web: counts for contact_center
      tp({
        interaction: 'complaint_opened',
        complaintId: 'k1',
        reason: 'delay',
        channel: 'contact_center',
      }),
      tp({ interaction: 'complaint_opened', complaintId: 'k1', reason: 'delay', seconds: 60 }),
      tp({ interaction: 'complaint_resolved', complaintId: 'k1', seconds: 3600, channel: 'email' }),
      // k2 on the web, resolved after 72 h; k3 on chat, open
      tp({ interaction: 'complaint_opened', complaintId: 'k2', reason: 'billing' }),
      tp({ interaction: 'complaint_resolved', complaintId: 'k2', day: 3 }),
      tp({ interaction: 'complaint_opened', complaintId: 'k3', reason: 'other', channel: 'chat' }),
      // another customer's k1 on the web: complaints are per customer
      tp({ interaction: 'complaint_opened', complaintId: 'k1', reason: 'other', customerId: 'c2' }),
      // a resolution without its opening counts nowhere
      tp({ interaction: 'complaint_resolved', complaintId: 'k4', channel: 'support' }),
    ];
    const rows = complaintMetricsByChannel(h);
    expect(rows.map((r) => r.channel)).toEqual(['chat', 'contact_center', 'web']);
    expect(rows[1]?.metrics).toEqual({
      opened: 1,
      resolved: 1,
      openNow: 0,
      medianSecondsToResolve: 3600,
      p90SecondsToResolve: 3600,
      withinSlaShare: 1,
    });
    expect(rows[2]?.metrics).toEqual({
      opened: 2,
      resolved: 1,
      openNow: 1,
      medianSecondsToResolve: 259_200,
      p90SecondsToResolve: 259_200,
      withinSlaShare: 0,
    });
    expect(rows[0]?.metrics).toMatchObject({ opened: 1, resolved: 0, openNow: 1 });
    const total = complaintMetrics(h);
    const sum = (f: (m: (typeof rows)[number]['metrics']) => number) =>
      rows.reduce((acc, r) => acc + f(r.metrics), 0);
    expect([sum((m) => m.opened), sum((m) => m.resolved), sum((m) => m.openNow)]).toEqual([
      total.opened,
      total.resolved,
      total.openNow,
    ]);
  });
  it('per channel: only channels with something to count in the window', () => {
    const h = [
      tp({ interaction: 'complaint_opened', complaintId: 'a', reason: 'delay', channel: 'chat' }),
      tp({ interaction: 'complaint_resolved', complaintId: 'a', day: 1 }),
      tp({ interaction: 'complaint_opened', complaintId: 'b', reason: 'delay', day: 5 }),
      // opened after the window, resolution dated inside it (clock skew): a resolution that counts
      tp({
        interaction: 'complaint_opened',
        complaintId: 'c',
        reason: 'other',
        day: 6,
        channel: 'email',
      }),
      tp({ interaction: 'complaint_resolved', complaintId: 'c', day: 2 }),
    ];
    const window = { from: '2025-01-03T00:00:00.000Z', to: '2025-01-05T00:00:00.000Z' };
    // chat: opened and resolved before the window, nothing to count (left out);
    // web: opened at the window's end, excluded; email: its resolution counts
    expect(
      complaintMetricsByChannel(h, window).map((r) => [
        r.channel,
        r.metrics.opened,
        r.metrics.resolved,
        r.metrics.openNow,
      ]),
    ).toEqual([['email', 0, 1, 0]]);
    expect(complaintMetrics(h, window)).toMatchObject({ opened: 0, resolved: 1, openNow: 0 });
    expect(complaintMetricsByChannel([])).toEqual([]);
  });
});

describe('funnel, revenue, churn', () => {
  it('counts customers per stage and status with conversion at-or-beyond', () => {
    const f = funnel([
      { stage: 'awareness', status: 'active' },
      { stage: 'knowledge', status: 'active' },
      { stage: 'selection', status: 'lost' },
      { stage: 'advocacy', status: 'at_risk' },
    ]);
    expect(f.byStage).toEqual({
      awareness: 1,
      knowledge: 1,
      consideration: 0,
      selection: 1,
      satisfaction: 0,
      loyalty: 0,
      advocacy: 1,
    });
    expect(f.byStatus).toEqual({ active: 2, at_risk: 1, lost: 1 });
    // beyond awareness 3 of 4; knowledge→consideration 2/3; ...; loyalty→advocacy 1/1
    expect(f.conversion.map((c) => c.rate)).toEqual([0.75, 0.666666667, 1, 0.5, 1, 1]);
    expect(funnel([]).conversion[0]?.rate).toBeNull();
  });
  it('revenue per currency, never summed across; churn and lost customers per bucket', () => {
    const h = [
      tp({ interaction: 'purchase', value: { amount: 0.1, currency: 'EUR' } }),
      tp({ interaction: 'repurchase', value: { amount: 0.2, currency: 'EUR' } }),
      tp({ interaction: 'purchase', value: { amount: 5, currency: 'USD' } }),
      tp({ interaction: 'purchase' }),
      tp({ interaction: 'cancellation', day: 31 }),
      tp({ interaction: 'cancellation', day: 32 }),
    ];
    expect(revenue(h)).toEqual([
      { bucket: null, group: null, currency: 'EUR', amount: 0.3, purchases: 2 },
      { bucket: null, group: null, currency: 'USD', amount: 5, purchases: 1 },
    ]);
    // lost since the latest cancellation (day 32): no purchase came after it
    expect(churn(h, { bucket: 'month' })).toEqual([
      { bucket: '2025-02-01', cancellations: 2, lostCustomers: 1 },
    ]);
    expect(churn([...h, tp({ interaction: 'repurchase', day: 40 })], { bucket: 'month' })).toEqual([
      { bucket: '2025-02-01', cancellations: 2, lostCustomers: 0 },
    ]);
  });
});

describe('perception gap (§6)', () => {
  it('company assessment vs the customer score (CSAT, else mean of v + 3)', () => {
    const h = [
      // CSAT 3 → customer 3, company 5 → +2
      tp({
        interaction: 'survey_response',
        survey: { csat: 3 },
        companyAssessment: 5,
        touchpointName: 'checkout',
      }),
      // NPS 10 (v = 2 → 5) and sentiment 0.5 (v = 1 → 4): customer 4.5, company 4 → −0.5
      tp({
        interaction: 'feedback',
        survey: { nps: 10 },
        sentiment: 0.5,
        companyAssessment: 4,
        touchpointName: 'checkout',
        channel: 'chat',
      }),
      // no customer signal: no pair
      tp({ interaction: 'exposure', companyAssessment: 5, touchpointName: 'checkout' }),
    ];
    const gap = perceptionGap(h);
    // checkout: company (5 + 4) / 2 = 4.5, customer (3 + 4.5) / 2 = 3.75, gap 0.75
    expect(gap.byTouchpointName).toEqual([
      { key: 'checkout', pairs: 2, companyMean: 4.5, customerMean: 3.75, gap: 0.75 },
    ]);
    expect(gap.byChannel).toEqual([
      { key: 'chat', pairs: 1, companyMean: 4, customerMean: 4.5, gap: -0.5 },
      { key: 'web', pairs: 1, companyMean: 5, customerMean: 3, gap: 2 },
    ]);
  });
});

describe('value and conversion', () => {
  it('groups revenue like the answers and gives each customer their value per currency', () => {
    const h = [
      tp({
        customerId: 'a',
        interaction: 'purchase',
        channel: 'web',
        value: { amount: 10, currency: 'EUR' },
      }),
      tp({
        customerId: 'a',
        interaction: 'repurchase',
        channel: 'sales',
        value: { amount: 2.5, currency: 'EUR' },
        day: 3,
      }),
      tp({
        customerId: 'b',
        interaction: 'purchase',
        channel: 'web',
        value: { amount: 7, currency: 'USD' },
      }),
    ];
    expect(revenue(h, { groupBy: 'channel' }).map((r) => [r.group, r.currency, r.amount])).toEqual([
      ['sales', 'EUR', 2.5],
      ['web', 'EUR', 10],
      ['web', 'USD', 7],
    ]);
    expect(customerValue(h.filter((t) => t.customerId === 'a'))).toEqual([
      { currency: 'EUR', amount: 12.5, purchases: 2 },
    ]);
    const stages = new Map([
      ['a', 'loyalty' as const],
      ['b', 'loyalty' as const],
    ]);
    expect(meanValueByStage(h, stages)).toEqual([
      { stage: 'loyalty', currency: 'EUR', customers: 1, meanValue: 12.5 },
      { stage: 'loyalty', currency: 'USD', customers: 1, meanValue: 7 },
    ]);
  });

  it('counts entries into each stage in the window and those followed by a rise', () => {
    const histories = [
      deriveStageHistory([
        tp({ customerId: 'a', interaction: 'exposure' }),
        tp({ customerId: 'a', interaction: 'inquiry', day: 2 }),
      ]),
      deriveStageHistory([tp({ customerId: 'b', interaction: 'exposure', day: 1 })]),
    ];
    const conversion = stageConversion(histories, {
      from: '2025-01-01T00:00:00.000Z',
      to: '2025-01-02T12:00:00.000Z',
    });
    expect(conversion[0]).toEqual({ stage: 'awareness', entered: 2, rose: 1, rate: 0.5 });
    expect(conversion.find((c) => c.stage === 'knowledge')).toEqual({
      stage: 'knowledge',
      entered: 0,
      rose: 0,
      rate: null,
    });
    expect(conversion).toHaveLength(6);
  });
});
