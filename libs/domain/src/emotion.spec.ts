import { emotionLevelOf } from './assessment';
import { DEFAULT_JOURNEY_DEFINITION } from './journey-definition';
import { deriveProfile } from './profile';
import { tp } from './touchpoint-builders.test-support';

const level = (score: number | null) => emotionLevelOf(score, DEFAULT_JOURNEY_DEFINITION);

describe('emotion level thresholds (§3), both sides of each', () => {
  it.each([
    [-2, 'rejection'],
    [-1.5, 'rejection'],
    [-1.499999999, 'decline'],
    [-0.5, 'decline'],
    [-0.499999999, 'indifference'],
    [0, 'indifference'],
    [0.499999999, 'indifference'],
    [0.5, 'enjoyment'],
    [1.499999999, 'enjoyment'],
    [1.5, 'ecstasy'],
    [2, 'ecstasy'],
    [null, 'indifference'],
  ] as const)('score %p → %s', (score, expected) => {
    expect(level(score)).toBe(expected);
  });
});

const feedback = (sentiment: number, day = 0, id?: string) =>
  tp({
    interaction: 'feedback',
    sentiment,
    day,
    ...(id === undefined ? {} : { touchpointId: id }),
  });

describe('emotion score (§3)', () => {
  it('no signal: score null, indifference, with its description', () => {
    expect(deriveProfile([tp({ interaction: 'exposure' })]).emotion).toEqual({
      level: 'indifference',
      score: null,
      feeling: 'whatever',
      recall: 'none',
      impact: 'low',
      signals: 0,
    });
  });

  it('weights halve every 90 days before the latest touchpoint (not the clock)', () => {
    // +2 at day 0 (w = 0.5), −2 at day 90 (w = 1): (0.5·2 − 2) / 1.5 = −0.666666667 → decline
    const p = deriveProfile([
      tp({ interaction: 'survey_response', survey: { csat: 5 }, day: 0 }),
      tp({ interaction: 'survey_response', survey: { csat: 1 }, day: 90 }),
    ]);
    expect(p.emotion).toMatchObject({ score: -0.666666667, level: 'decline', signals: 2 });
    expect(p.emotion.feeling).toBe("I don't like it");
  });

  it('T is the latest touchpoint of any kind, even one without a signal', () => {
    // Signals +2 (day 0) and −2 (day 90); an exposure at day 180 makes T = 180:
    // w = 0.25 and 0.5, (0.5 − 1) / 0.75 = −0.666666667: same ratio, T cancels out here,
    // while a single signal's score never depends on T.
    const p = deriveProfile([
      tp({ interaction: 'survey_response', survey: { csat: 5 }, day: 0 }),
      tp({ interaction: 'survey_response', survey: { csat: 1 }, day: 90 }),
      tp({ interaction: 'exposure', day: 180 }),
    ]);
    expect(p.emotion.score).toBe(-0.666666667);
  });

  it('a value that lands on −1.5 only after 9-dp rounding is rejection', () => {
    // 2 × −0.7499999998 = −1.4999999996 → rounds to −1.5 → rejection (unrounded: decline)
    const p = deriveProfile([feedback(-0.7499999998)]);
    expect(p.emotion).toMatchObject({ score: -1.5, level: 'rejection', impact: 'loss' });
  });

  it('a value that lands on 0.5 only after rounding is enjoyment', () => {
    // 2 × 0.2499999998 = 0.4999999996 → 0.5 → enjoyment
    expect(deriveProfile([feedback(0.2499999998)]).emotion).toMatchObject({
      score: 0.5,
      level: 'enjoyment',
    });
  });

  it('just outside the threshold after rounding stays on its side', () => {
    // −1.4999999994 → −1.499999999 → decline
    expect(deriveProfile([feedback(-0.7499999997)]).emotion).toMatchObject({
      score: -1.499999999,
      level: 'decline',
    });
  });

  it('−0 is reported as 0', () => {
    const p = deriveProfile([feedback(0.5, 0, 'a'), feedback(-0.5, 0, 'b')]);
    expect(Object.is(p.emotion.score, 0)).toBe(true);
  });

  it('ecstasy and its description', () => {
    expect(deriveProfile([feedback(0.75)]).emotion).toEqual({
      level: 'ecstasy',
      score: 1.5,
      feeling: 'I love it',
      recall: 'high',
      impact: 'shares with many',
      signals: 1,
    });
  });
});
