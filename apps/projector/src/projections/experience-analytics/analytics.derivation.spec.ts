import {
  bucketOf,
  countsForAnalytics,
  deriveProfiles,
  experienceMetrics,
  experienceRowOf,
  groupByCustomer,
  stagesByCustomer,
  type ConsentChange,
  type Touchpoint,
} from '@cx/domain';
import { tp } from '@cx/domain/testing';
import { addToCells, analyticsOf, changedCells, type AnswerCell } from './analytics.derivation';

const policy = { optInPurposes: new Set(['marketing.email']) };

function history(): Touchpoint[] {
  const out: Touchpoint[] = [];
  for (let i = 0; i < 60; i++) {
    const customerId = `c${i % 6}`;
    out.push(
      tp({
        customerId,
        interaction: i % 5 === 0 ? 'purchase' : 'survey_response',
        ...(i % 5 === 0 ? {} : { survey: { nps: i % 11, csat: 1 + (i % 5), ces: 1 + (i % 7) } }),
        day: i,
        ...(i % 4 === 0 ? { purposes: ['analytics'] } : {}),
        ...(i % 9 === 0 ? { purposes: ['marketing.email'] } : {}),
      }),
    );
  }
  return out;
}

const withdrawn: ConsentChange = {
  consentId: 'w',
  purpose: 'analytics',
  status: 'withdrawn',
  effectiveAt: '2025-01-20T00:00:00.000Z',
};

describe('analytics derivation', () => {
  it('counts only what the consents let count, as the library does over those touchpoints', () => {
    const all = history();
    const byCustomer = groupByCustomer(all).groups;
    const cells = new Map<string, AnswerCell>();
    const counted: Touchpoint[] = [];
    for (const [customerId, own] of byCustomer) {
      const consents = customerId === 'c0' || customerId === 'c4' ? [withdrawn] : [];
      const derived = analyticsOf(customerId, own, consents, policy);
      addToCells(cells, derived.answers, derived.stage, 1);
      counted.push(...own.filter((t) => countsForAnalytics(t, consents, policy)));
    }
    expect(counted.length).toBeLessThan(all.length);
    const stages = stagesByCustomer(deriveProfiles(all).profiles);
    const want = experienceMetrics(counted, { bucket: 'day', groupBy: 'stage' }, { stages });
    const got = changedCells(cells)
      .filter((c) => c.grain === 'd' && c.dim === 'stage')
      .map((c) => experienceRowOf(bucketOf(c.slot, 'day'), c.value, c));
    expect(got).toEqual(want);
  });

  it('takes a customer back out exactly: adding then removing leaves no changed cell', () => {
    const own = history().filter((t) => t.customerId === 'c1');
    const derived = analyticsOf('c1', own, [], policy);
    const cells = new Map<string, AnswerCell>();
    addToCells(cells, derived.answers, derived.stage, 1);
    expect(changedCells(cells).length).toBeGreaterThan(0);
    addToCells(cells, derived.answers, derived.stage, -1);
    expect(changedCells(cells)).toEqual([]);
  });

  it('moves answers between stage cells only when the stage changes', () => {
    const own = history().filter((t) => t.customerId === 'c2');
    const derived = analyticsOf('c2', own, [], policy);
    const cells = new Map<string, AnswerCell>();
    addToCells(cells, derived.answers, 'awareness', -1);
    addToCells(cells, derived.answers, 'advocacy', 1);
    const changed = changedCells(cells);
    expect(new Set(changed.map((c) => c.dim))).toEqual(new Set(['stage']));
    expect(new Set(changed.map((c) => c.value))).toEqual(new Set(['awareness', 'advocacy']));
  });

  it('records complaints with the channel of their counted opening', () => {
    const own = [
      tp({
        customerId: 'k',
        interaction: 'complaint_opened',
        complaintId: 'x',
        reason: 'billing',
        channel: 'email',
        day: 1,
      }),
      tp({
        customerId: 'k',
        interaction: 'complaint_opened',
        complaintId: 'x',
        reason: 'billing',
        channel: 'chat',
        day: 2,
      }),
      tp({
        customerId: 'k',
        interaction: 'complaint_resolved',
        complaintId: 'x',
        channel: 'web',
        day: 4,
      }),
    ];
    expect(analyticsOf('k', own, [], policy).complaints).toEqual([
      expect.objectContaining({
        complaintId: 'x',
        channel: 'email',
        resolveMs: 3 * 86_400_000,
        withinSla: false,
      }),
    ]);
  });
});
