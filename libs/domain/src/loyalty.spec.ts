import type { CriterionName } from './assessment';
import { deriveProfile } from './profile';
import type { Channel, Touchpoint } from './touchpoint';
import { tp } from './touchpoint-builders.test-support';

/** A CSAT answer: csat − 3 is the valence. Same day → every weight is 1, shares are plain fractions. */
const csat = (value: number, channel: Channel = 'web', day = 0) =>
  tp({ interaction: 'survey_response', survey: { csat: value }, channel, day });
const good = (channel: Channel = 'web', day = 0) => csat(5, channel, day);
const bad = (channel: Channel = 'web', day = 0) => csat(1, channel, day);

let promiseSeq = 0;
/** A settled promise: commitment_made + kept (+1) or broken (−2). */
const promise = (kept: boolean, day = 0): Touchpoint[] => {
  const id = `p${++promiseSeq}`;
  return [
    tp({
      interaction: 'commitment_made',
      commitmentId: id,
      dueAt: '2025-03-01T00:00:00.000Z',
      day,
    }),
    tp({ interaction: kept ? 'commitment_kept' : 'commitment_broken', commitmentId: id, day }),
  ];
};
const promises = (kept: number, broken: number): Touchpoint[] => [
  ...Array.from({ length: kept }, () => promise(true)).flat(),
  ...Array.from({ length: broken }, () => promise(false)).flat(),
];

const stateOf = (history: Touchpoint[], name: CriterionName) =>
  deriveProfile(history).loyalty.criteria.find((c) => c.name === name)?.state;

describe('1 positive interactions', () => {
  it('≥ 3 signals with a positive share ≥ 0.6 → met (3 of 5 = 0.6 exactly)', () => {
    expect(stateOf([good(), good(), good(), bad(), bad()], 'positive_interactions')).toBe('met');
  });
  it('2 of 4 = 0.5 → not met', () => {
    expect(stateOf([good(), good(), bad(), bad()], 'positive_interactions')).toBe('not_met');
  });
  it('only 2 signals, both positive → not met (too few)', () => {
    expect(stateOf([good(), good()], 'positive_interactions')).toBe('not_met');
  });
  it('a zero valence counts as a signal but not as positive', () => {
    // 3 signals, 2 positive: 2/3 = 0.666666667 ≥ 0.6
    expect(stateOf([good(), good(), csat(3)], 'positive_interactions')).toBe('met');
  });
  it('the share is weighted: an old positive weighs less', () => {
    // +,+ at day 0 (w = 0.5 each), −,− at day 90 (w = 1), + at day 90:
    // positive 0.5 + 0.5 + 1 = 2 of 0.5 + 0.5 + 1 + 1 + 1 = 4 → 0.5 < 0.6 (plain count: 3/5 = 0.6)
    const h = [good('web', 0), good('web', 0), bad('web', 90), bad('web', 90), good('web', 90)];
    expect(stateOf(h, 'positive_interactions')).toBe('not_met');
  });
});

describe('2 consistency / inconsistency', () => {
  it('met when 1 holds and each category with ≥ 2 signals has share ≥ 0.6', () => {
    // interactive 3/5 = 0.6; human one signal only (ignored); overall 4/6 = 0.666666667
    const h = [good(), good(), good(), bad(), bad(), good('support')];
    expect(stateOf(h, 'consistency')).toBe('met');
  });
  it('no category with 2 signals: 1 holding is enough', () => {
    expect(stateOf([good('web'), good('support'), good('product')], 'consistency')).toBe('met');
  });
  it('a category at 0.5 (not < 0.4, not ≥ 0.6) → not met', () => {
    const h = [good(), good(), good(), good('support'), bad('support')];
    expect(stateOf(h, 'consistency')).toBe('not_met');
  });
  it('a category at exactly 0.4 is not inconsistency', () => {
    const h = [good('support'), good('support'), bad('support'), bad('support'), bad('support')];
    expect(stateOf(h, 'consistency')).toBe('not_met');
  });
  it('a category below 0.4 → broken (inconsistency), whatever criterion 1 says', () => {
    const h = [good(), good(), good(), good(), bad('support'), bad('support')];
    expect(stateOf(h, 'positive_interactions')).toBe('met');
    expect(stateOf(h, 'consistency')).toBe('broken');
    const p = deriveProfile(h).loyalty;
    expect(p).toMatchObject({ side: 'negative', position: 2, reached: 'inconsistency' });
  });
});

describe('3 credibility / distrust', () => {
  it('9 kept of 10 = 0.9 → met', () => {
    expect(stateOf(promises(9, 1), 'credibility')).toBe('met');
  });
  it('8 of 10 = 0.8 → not met', () => {
    expect(stateOf(promises(8, 2), 'credibility')).toBe('not_met');
  });
  it('7 of 10 = 0.7 → not met (distrust needs < 0.7)', () => {
    expect(stateOf(promises(7, 3), 'credibility')).toBe('not_met');
  });
  it('2 of 3 = 0.666666667 → broken (distrust)', () => {
    expect(stateOf(promises(2, 1), 'credibility')).toBe('broken');
  });
  it('no settled promise → not met, never broken', () => {
    expect(stateOf([good()], 'credibility')).toBe('not_met');
  });
  it('resolved complaints count as settled: within SLA kept, outside broken', () => {
    const complaint = (id: string, hoursToResolve: number) => [
      tp({ interaction: 'complaint_opened', complaintId: id, reason: 'delay' }),
      tp({ interaction: 'complaint_resolved', complaintId: id, seconds: hoursToResolve * 3600 }),
    ];
    expect(stateOf(complaint('a', 48), 'credibility')).toBe('met');
    expect(stateOf(complaint('a', 49), 'credibility')).toBe('broken');
    // an unresolved complaint settles nothing
    expect(stateOf([complaint('a', 1)[0] as Touchpoint], 'credibility')).toBe('not_met');
  });
  it('is evaluated on its own: met while 1 and 2 are not', () => {
    const p = deriveProfile(promises(1, 0)).loyalty.criteria.map((c) => c.state);
    expect(p.slice(0, 3)).toEqual(['not_met', 'not_met', 'met']);
  });
});

describe('4 authenticity / falsehood', () => {
  it('met when 3 holds and no misleading complaint', () => {
    expect(stateOf(promises(1, 0), 'authenticity')).toBe('met');
  });
  it('not met when 3 is not met', () => {
    expect(stateOf([good()], 'authenticity')).toBe('not_met');
  });
  it('any misleading complaint_opened, even a duplicate opening that does not count, → broken', () => {
    const h = [
      ...promises(1, 0),
      tp({ interaction: 'complaint_opened', complaintId: 'k', reason: 'billing', seconds: 0 }),
      tp({ interaction: 'complaint_opened', complaintId: 'k', reason: 'misleading', seconds: 60 }),
    ];
    expect(stateOf(h, 'authenticity')).toBe('broken');
    expect(deriveProfile(h).loyalty).toMatchObject({ position: 4, reached: 'falsehood' });
  });
});

/**
 * A customer at position 6: promise kept at day 0 (+1), purchase at day 0 with CSAT 5 (+2),
 * repurchase at day 90 with CSAT 5 (+2). Positive signals span exactly 90 days.
 */
const loyalCustomer = (repurchaseDay = 90): Touchpoint[] => [
  ...promise(true, 0),
  tp({ interaction: 'purchase', survey: { csat: 5 }, day: 0 }),
  tp({ interaction: 'repurchase', survey: { csat: 5 }, day: repurchaseDay }),
];

describe('5 reliability / disloyalty', () => {
  it('positive signals exactly 90 days apart → met', () => {
    expect(stateOf(loyalCustomer(90), 'reliability')).toBe('met');
  });
  it('one second short of 90 days → not met', () => {
    const h = loyalCustomer(90 - 1 / 86_400);
    expect(stateOf(h, 'reliability')).toBe('not_met');
  });
  it('a repurchase and a later NPS of 6 → broken (disloyalty)', () => {
    const h = [
      ...loyalCustomer(),
      tp({ interaction: 'survey_response', survey: { nps: 6 }, day: 91 }),
    ];
    expect(stateOf(h, 'reliability')).toBe('broken');
  });
  it('NPS 6 at the same time as the earliest repurchase → broken (at or after)', () => {
    const h = [
      ...loyalCustomer(),
      tp({ interaction: 'survey_response', survey: { nps: 6 }, day: 90 }),
    ];
    expect(stateOf(h, 'reliability')).toBe('broken');
  });
  it('NPS 6 before the repurchase is not disloyalty', () => {
    const h = [
      ...loyalCustomer(),
      tp({ interaction: 'survey_response', survey: { nps: 6 }, day: 89 }),
    ];
    expect(stateOf(h, 'reliability')).not.toBe('broken');
  });
  it('a later NPS 7 is the latest answer: no disloyalty', () => {
    const h = [
      ...loyalCustomer(),
      tp({ interaction: 'survey_response', survey: { nps: 2 }, day: 91, touchpointId: 'n1' }),
      tp({ interaction: 'survey_response', survey: { nps: 7 }, day: 91, touchpointId: 'n2' }),
    ];
    // same time: the greater touchpointId (n2, NPS 7) is the latest answer
    expect(stateOf(h, 'reliability')).not.toBe('broken');
    const swapped = [
      ...loyalCustomer(),
      tp({ interaction: 'survey_response', survey: { nps: 7 }, day: 91, touchpointId: 'n1' }),
      tp({ interaction: 'survey_response', survey: { nps: 2 }, day: 91, touchpointId: 'n2' }),
    ];
    expect(stateOf(swapped, 'reliability')).toBe('broken');
  });
  it('emotion level rejection → broken', () => {
    expect(stateOf([tp({ interaction: 'feedback', emotion: 'rejection' })], 'reliability')).toBe(
      'broken',
    );
  });
});

describe('6 loyalty / loss', () => {
  it('5 holds, a repurchase, no NPS → met, position 6', () => {
    expect(deriveProfile(loyalCustomer()).loyalty).toMatchObject({
      side: 'positive',
      position: 6,
      reached: null,
    });
  });
  it('latest NPS 7 → met; latest NPS 6 → broken via disloyalty, not met', () => {
    const at = (nps: number) => [
      ...loyalCustomer(),
      tp({ interaction: 'survey_response', survey: { nps }, day: 90 }),
    ];
    expect(stateOf(at(7), 'loyalty')).toBe('met');
    expect(stateOf(at(6), 'loyalty')).toBe('not_met');
  });
  it('a cancellation with no later purchase → broken (loss), position 6', () => {
    const h = [...loyalCustomer(), tp({ interaction: 'cancellation', day: 100 })];
    expect(deriveProfile(h).loyalty).toMatchObject({
      side: 'negative',
      position: 6,
      reached: 'loss',
    });
  });
  it('a purchase at the same time as the cancellation does not undo the loss (needs later)', () => {
    const h = [
      ...loyalCustomer(),
      tp({ interaction: 'cancellation', day: 100 }),
      tp({ interaction: 'repurchase', day: 100 }),
    ];
    expect(stateOf(h, 'loyalty')).toBe('broken');
  });
  it('a purchase strictly after the cancellation undoes it', () => {
    const h = [
      ...loyalCustomer(),
      tp({ interaction: 'cancellation', day: 100 }),
      tp({ interaction: 'repurchase', day: 100, seconds: 1 }),
    ];
    expect(stateOf(h, 'loyalty')).not.toBe('broken');
  });
});

describe('side and position', () => {
  it('positive position counts met criteria in a row from 1', () => {
    // 1 met, 2 met (one category, share 1), 3 not met → position 2 even though nothing is broken
    expect(deriveProfile([good(), good(), good()]).loyalty).toMatchObject({
      side: 'positive',
      position: 2,
    });
    // 1 not met, 3 met → position 0
    expect(deriveProfile(promises(1, 0)).loyalty.position).toBe(0);
  });
  it('the deepest broken criterion decides, whether or not earlier ones are broken', () => {
    // web: kept +1, complaint −1 (share 0.5); human: three CSAT 5 (+2). 4/5 positive = 0.8.
    // Score (1 − 1 + 6) / 5 = 1.2: no rejection. Falsehood (4) is broken, distrust (3) is met.
    const h = [
      ...promises(1, 0),
      tp({ interaction: 'complaint_opened', complaintId: 'k', reason: 'misleading' }),
      good('support'),
      good('support'),
      good('support'),
    ];
    const p = deriveProfile(h);
    expect(p.loyalty.criteria.map((c) => c.state)).toEqual([
      'met',
      'not_met',
      'met',
      'broken',
      'not_met',
      'not_met',
    ]);
    expect(p.loyalty).toMatchObject({ side: 'negative', position: 4, reached: 'falsehood' });
  });
  it('several negatives at once: the deepest is reached', () => {
    // broken promise −2 and misleading complaint −1, both web: web share 0 < 0.4 (inconsistency),
    // 0/1 kept (distrust), misleading (falsehood), score (−2 − 1) / 2 = −1.5 → rejection (disloyalty)
    const h = [
      ...promises(0, 1),
      tp({ interaction: 'complaint_opened', complaintId: 'k', reason: 'misleading' }),
    ];
    const p = deriveProfile(h);
    expect(p.loyalty.criteria.map((c) => c.state)).toEqual([
      'not_met',
      'broken',
      'broken',
      'broken',
      'broken',
      'not_met',
    ]);
    expect(p.loyalty).toMatchObject({ side: 'negative', position: 5, reached: 'disloyalty' });
    expect(p.emotion.level).toBe('rejection');
  });
  it('evidence lists the deciding touchpoints, sorted', () => {
    const h = [
      tp({
        interaction: 'complaint_opened',
        complaintId: 'k',
        reason: 'misleading',
        touchpointId: 'z',
      }),
      tp({
        interaction: 'complaint_opened',
        complaintId: 'j',
        reason: 'misleading',
        touchpointId: 'a',
      }),
    ];
    const crit = deriveProfile(h).loyalty.criteria.find((c) => c.name === 'authenticity');
    expect(crit).toEqual({ name: 'authenticity', state: 'broken', evidence: ['a', 'z'] });
  });
});
