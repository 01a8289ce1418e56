import {
  DEFAULT_JOURNEY_DEFINITION,
  isTooFarInFuture,
  parseJourneyDefinition,
} from './journey-definition';
import { deriveProfile } from './profile';
import { tp } from './touchpoint-builders.test-support';

const errorsOf = (input: unknown) => {
  const r = parseJourneyDefinition(input);
  return r.ok ? [] : r.errors;
};

describe('journey definition', () => {
  it('ships the spec values', () => {
    expect(DEFAULT_JOURNEY_DEFINITION).toEqual({
      emotion: {
        halfLifeSeconds: 7_776_000,
        rejectionAtMost: -1.5,
        declineAtMost: -0.5,
        enjoymentFrom: 0.5,
        ecstasyFrom: 1.5,
      },
      complaints: { slaSeconds: 172_800 },
      loyalty: {
        positiveInteractions: { minSignals: 3, minPositiveShare: 0.6 },
        consistency: { categoryMinSignals: 2, metShare: 0.6, inconsistencyBelow: 0.4 },
        credibility: { metRatio: 0.9, distrustBelow: 0.7 },
        reliability: { minSpanSeconds: 7_776_000 },
        disloyaltyMaxNps: 6,
        loyaltyMinNps: 7,
      },
      lifecycle: { advocacyMinNps: 9 },
      ingestion: { futureToleranceSeconds: 300 },
      metrics: { npsPromoterMin: 9, npsDetractorMax: 6, csatSatisfiedMin: 4 },
    });
  });

  it('an empty or absent input is the default', () => {
    expect(parseJourneyDefinition({})).toEqual({
      ok: true,
      definition: DEFAULT_JOURNEY_DEFINITION,
    });
    expect(parseJourneyDefinition(undefined)).toEqual({
      ok: true,
      definition: DEFAULT_JOURNEY_DEFINITION,
    });
  });

  it('merges a partial object deeply over the defaults', () => {
    const r = parseJourneyDefinition({ loyalty: { credibility: { metRatio: 0.95 } } });
    expect(r.ok && r.definition.loyalty.credibility).toEqual({
      metRatio: 0.95,
      distrustBelow: 0.7,
    });
    expect(r.ok && r.definition.loyalty.consistency).toEqual(
      DEFAULT_JOURNEY_DEFINITION.loyalty.consistency,
    );
  });

  it('refuses unknown keys, wrong types and out-of-range values, all at once', () => {
    expect(
      errorsOf({
        emotion: { halfLifeSeconds: 0, colour: 'red' },
        complaints: 'fast',
        loyalty: {
          positiveInteractions: { minSignals: 1.5, minPositiveShare: 1.2 },
          disloyaltyMaxNps: 11,
        },
        metrics: { csatSatisfiedMin: '4' },
        extra: 1,
      }),
    ).toEqual([
      { path: 'emotion.halfLifeSeconds', message: 'must be greater than 0' },
      { path: 'emotion.colour', message: 'is not a known setting' },
      { path: 'complaints', message: 'must be an object' },
      {
        path: 'loyalty.positiveInteractions.minSignals',
        message: 'must be an integer of at least 1',
      },
      { path: 'loyalty.positiveInteractions.minPositiveShare', message: 'must be between 0 and 1' },
      { path: 'loyalty.disloyaltyMaxNps', message: 'must be an integer from 0 to 10' },
      { path: 'metrics.csatSatisfiedMin', message: 'must be a finite number' },
      { path: 'extra', message: 'is not a known setting' },
    ]);
  });

  it('refuses a non-object and a leaf given an object', () => {
    expect(errorsOf(42)).toEqual([{ path: '(root)', message: 'must be an object' }]);
    expect(errorsOf({ complaints: { slaSeconds: { hours: 48 } } })).toEqual([
      { path: 'complaints.slaSeconds', message: 'must be a finite number' },
    ]);
  });

  it('refuses incoherent orderings with clear messages', () => {
    expect(errorsOf({ emotion: { declineAtMost: -1.5 } }).map((e) => e.path)).toEqual([
      'emotion.declineAtMost',
    ]);
    expect(errorsOf({ emotion: { ecstasyFrom: 0.5 } })[0]?.message).toBe(
      'emotion thresholds must increase: emotion.ecstasyFrom (0.5) must be greater than emotion.enjoymentFrom (0.5)',
    );
    expect(errorsOf({ loyalty: { consistency: { inconsistencyBelow: 0.7 } } })).toEqual([
      {
        path: 'loyalty.consistency.inconsistencyBelow',
        message: 'must be at most loyalty.consistency.metShare (0.6)',
      },
    ]);
    expect(errorsOf({ loyalty: { credibility: { distrustBelow: 0.95 } } })).toEqual([
      {
        path: 'loyalty.credibility.distrustBelow',
        message: 'must be at most loyalty.credibility.metRatio (0.9)',
      },
    ]);
    expect(errorsOf({ metrics: { npsDetractorMax: 9 } })).toEqual([
      { path: 'metrics.npsDetractorMax', message: 'must be less than metrics.npsPromoterMin (9)' },
    ]);
    // equal shares are coherent
    expect(errorsOf({ loyalty: { credibility: { distrustBelow: 0.9 } } })).toEqual([]);
  });

  it('a tenant definition changes the model without code', () => {
    const r = parseJourneyDefinition({ complaints: { slaSeconds: 3600 } });
    if (!r.ok) throw new Error('expected ok');
    const h = [
      tp({ interaction: 'complaint_opened', complaintId: 'k', reason: 'delay' }),
      tp({ interaction: 'complaint_resolved', complaintId: 'k', seconds: 7200 }),
    ];
    const credibility = (p: ReturnType<typeof deriveProfile>) =>
      p.loyalty.criteria.find((c) => c.name === 'credibility')?.state;
    expect(credibility(deriveProfile(h))).toBe('met');
    expect(credibility(deriveProfile(h, r.definition))).toBe('broken');
  });

  it('isTooFarInFuture: more than 300 s ahead of ingestion clock', () => {
    const now = new Date('2025-01-01T00:00:00.000Z');
    expect(isTooFarInFuture('2025-01-01T00:05:00.000Z', now)).toBe(false);
    expect(isTooFarInFuture('2025-01-01T00:05:00.001Z', now)).toBe(true);
    expect(isTooFarInFuture('1990-01-01T00:00:00.000Z', now)).toBe(false);
  });
});
