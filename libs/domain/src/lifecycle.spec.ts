import { deriveProfile } from './profile';
import { deriveStageHistory } from './stage-history';
import type { Touchpoint } from './touchpoint';
import { tp } from './touchpoint-builders.test-support';

const stage = (h: Touchpoint[]) => deriveProfile(h).stage;
const csat = (value: number, day = 0, touchpointId?: string) =>
  tp({
    interaction: 'survey_response',
    survey: { csat: value },
    day,
    ...(touchpointId === undefined ? {} : { touchpointId }),
  });

/** Position-6 customer (see loyalty.spec): promise kept, purchase CSAT 5, repurchase CSAT 5 at day 90. */
const loyal = (): Touchpoint[] => [
  tp({ interaction: 'commitment_made', commitmentId: 'p', dueAt: '2025-03-01T00:00:00.000Z' }),
  tp({ interaction: 'commitment_kept', commitmentId: 'p' }),
  tp({ interaction: 'purchase', survey: { csat: 5 } }),
  tp({ interaction: 'repurchase', survey: { csat: 5 }, day: 90 }),
];

describe('lifecycle stage (§2)', () => {
  it('awareness with any touchpoint', () => {
    expect(deriveProfile([tp({ interaction: 'exposure' })])).toMatchObject({
      stage: 'awareness',
      phase: 'pre_purchase',
    });
  });
  it('knowledge, consideration: the highest that applies', () => {
    expect(stage([tp({ interaction: 'inquiry' })])).toBe('knowledge');
    expect(stage([tp({ interaction: 'evaluation' })])).toBe('consideration');
    expect(stage([tp({ interaction: 'inquiry' }), tp({ interaction: 'evaluation' })])).toBe(
      'consideration',
    );
  });
  it('a purchase means selection even with nothing before it', () => {
    expect(deriveProfile([tp({ interaction: 'purchase' })])).toMatchObject({
      stage: 'selection',
      phase: 'purchase',
    });
    expect(stage([tp({ interaction: 'repurchase' })])).toBe('selection');
  });
  it('satisfaction needs a post-purchase score > 0 (after rounding)', () => {
    expect(stage([tp({ interaction: 'purchase', survey: { csat: 4 } })])).toBe('satisfaction');
    // CSAT 3 → 0: a post-purchase score of exactly 0 is not > 0
    expect(stage([tp({ interaction: 'purchase', survey: { csat: 3 } })])).toBe('selection');
    // +1 and −1 at the same time: 0
    expect(stage([tp({ interaction: 'purchase', survey: { csat: 4 } }), csat(2)])).toBe(
      'selection',
    );
  });
  it('only signals at or after the earliest purchase count for satisfaction', () => {
    // CSAT 5 at day 0, purchase at day 1 without a signal: no post-purchase signal → selection
    expect(stage([csat(5, 0), tp({ interaction: 'purchase', day: 1 })])).toBe('selection');
    // the same time as the purchase counts ("at or after"), whatever the touchpointIds
    expect(
      stage([csat(5, 1, 'a'), tp({ interaction: 'purchase', day: 1, touchpointId: 'b' })]),
    ).toBe('satisfaction');
  });
  it('post-purchase score uses the same T and weights', () => {
    // purchase day 0; +2 at day 0 (w = 0.5), −2 at day 90 (w = 1): (1 − 2) / 1.5 < 0 → selection
    expect(stage([tp({ interaction: 'purchase', survey: { csat: 5 } }), csat(1, 90)])).toBe(
      'selection',
    );
  });
  it('loyalty: satisfaction, a repurchase, not lost, chain positive', () => {
    expect(deriveProfile(loyal())).toMatchObject({ stage: 'loyalty', phase: 'post_purchase' });
  });
  it('loyalty allows the negative side at position 2 (inconsistency) but not deeper', () => {
    // two bad support CSATs: human share 0 → inconsistency; overall 4 of 6 positive still > 0 post score
    const inconsistent = [
      ...loyal(),
      tp({ interaction: 'survey_response', channel: 'support', survey: { csat: 2 }, day: 90 }),
      tp({ interaction: 'survey_response', channel: 'support', survey: { csat: 2 }, day: 90 }),
    ];
    expect(deriveProfile(inconsistent).loyalty).toMatchObject({ position: 2, side: 'negative' });
    expect(stage(inconsistent)).toBe('loyalty');
    // a broken promise (distrust, position 3) stops loyalty
    const distrust = [
      ...loyal(),
      tp({ interaction: 'commitment_made', commitmentId: 'q', dueAt: '2025-05-01T00:00:00.000Z' }),
      tp({ interaction: 'commitment_broken', commitmentId: 'q', day: 90 }),
      tp({ interaction: 'commitment_made', commitmentId: 'r', dueAt: '2025-05-01T00:00:00.000Z' }),
      tp({ interaction: 'commitment_broken', commitmentId: 'r', day: 90 }),
      csat(5, 90),
      csat(5, 90),
      csat(5, 90),
    ];
    expect(deriveProfile(distrust).loyalty).toMatchObject({ position: 3, reached: 'distrust' });
    expect(stage(distrust)).toBe('satisfaction');
  });
  it('advocacy: loyalty and a referral, or a latest NPS of 9–10', () => {
    expect(stage([...loyal(), tp({ interaction: 'referral', day: 90 })])).toBe('advocacy');
    const nps = (n: number) => [
      ...loyal(),
      tp({ interaction: 'survey_response', survey: { nps: n }, day: 90 }),
    ];
    expect(stage(nps(9))).toBe('advocacy');
    expect(stage(nps(10))).toBe('advocacy');
    expect(stage(nps(8))).toBe('loyalty');
  });
  it('a referral without loyalty is no advocacy', () => {
    expect(
      stage([
        tp({ interaction: 'purchase', survey: { csat: 5 } }),
        tp({ interaction: 'referral' }),
      ]),
    ).toBe('satisfaction');
  });
});

describe('lifecycle status (§2)', () => {
  it('active by default', () => {
    expect(deriveProfile(loyal()).status).toBe('active');
  });
  it('lost: a cancellation and no purchase later than it', () => {
    const h = [...loyal(), tp({ interaction: 'cancellation', day: 100 })];
    expect(deriveProfile(h)).toMatchObject({ status: 'lost', stage: 'satisfaction' });
  });
  it('a purchase strictly later than the latest cancellation ends the loss', () => {
    const h = [
      ...loyal(),
      tp({ interaction: 'cancellation', day: 100 }),
      tp({ interaction: 'purchase', day: 101 }),
    ];
    expect(deriveProfile(h).status).not.toBe('lost');
  });
  it('at_risk on decline or rejection', () => {
    expect(deriveProfile([csat(2)]).status).toBe('at_risk');
    expect(deriveProfile([csat(1)]).status).toBe('at_risk');
    expect(deriveProfile([csat(3)]).status).toBe('active');
  });
  it('at_risk on the negative side of the chain, even with a good emotion', () => {
    const h = [
      tp({ interaction: 'complaint_opened', complaintId: 'k', reason: 'misleading' }),
      csat(5),
      csat(5),
    ];
    expect(deriveProfile(h)).toMatchObject({ status: 'at_risk', emotion: { level: 'enjoyment' } });
  });
});

describe('stage history', () => {
  it('records every change with its cause, and time spent per stage', () => {
    const h = [
      tp({ interaction: 'exposure', day: 0, touchpointId: 'e' }),
      tp({ interaction: 'inquiry', day: 1, touchpointId: 'i' }),
      tp({ interaction: 'purchase', survey: { csat: 5 }, day: 3, touchpointId: 'p' }),
      // day 4: −2 (w = 1) against +2 (w = 0.5^(1/90) ≈ 0.992): post score < 0 → back to selection
      tp({ interaction: 'survey_response', survey: { csat: 1 }, day: 4, touchpointId: 's' }),
      tp({ interaction: 'exposure', day: 6, touchpointId: 'x' }),
    ];
    const history = deriveStageHistory([...h].reverse());
    expect(history.entries).toEqual([
      {
        stage: 'awareness',
        enteredAt: '2025-01-01T00:00:00.000Z',
        leftAt: '2025-01-02T00:00:00.000Z',
        causedBy: 'e',
        from: null,
      },
      {
        stage: 'knowledge',
        enteredAt: '2025-01-02T00:00:00.000Z',
        leftAt: '2025-01-04T00:00:00.000Z',
        causedBy: 'i',
        from: 'awareness',
      },
      {
        stage: 'satisfaction',
        enteredAt: '2025-01-04T00:00:00.000Z',
        leftAt: '2025-01-05T00:00:00.000Z',
        causedBy: 'p',
        from: 'knowledge',
      },
      {
        stage: 'selection',
        enteredAt: '2025-01-05T00:00:00.000Z',
        leftAt: null,
        causedBy: 's',
        from: 'satisfaction',
      },
    ]);
    // the open entry runs to the latest touchpoint (day 6), not to the clock
    expect(history.secondsInStage).toEqual({
      awareness: 86_400,
      knowledge: 2 * 86_400,
      consideration: 0,
      selection: 2 * 86_400,
      satisfaction: 86_400,
      loyalty: 0,
      advocacy: 0,
    });
  });
  it('a late opening re-evaluates the history in event time, whatever the arrival order', () => {
    // resolution (day 1) arrives before its opening (day 0): in event time the opening comes first
    const h = [
      tp({ interaction: 'purchase', day: 0, touchpointId: 'p' }),
      tp({ interaction: 'complaint_resolved', complaintId: 'k', day: 1, touchpointId: 'r' }),
      tp({
        interaction: 'complaint_opened',
        complaintId: 'k',
        reason: 'delay',
        day: 0,
        seconds: 1,
        touchpointId: 'o',
      }),
    ];
    const stages = deriveStageHistory(h).entries.map((e) => [e.stage, e.causedBy]);
    // after o: −1 → selection stays; after r: −1·w + 1 with w = 0.5^(1/90) < 1 → > 0: satisfaction
    expect(stages).toEqual([
      ['selection', 'p'],
      ['satisfaction', 'r'],
    ]);
  });
});
