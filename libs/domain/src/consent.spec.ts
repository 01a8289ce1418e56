import fc from 'fast-check';
import {
  consentAt,
  countsForAnalytics,
  currentConsents,
  orderConsentChanges,
  type ConsentChange,
} from './consent';
import type { Touchpoint } from './touchpoint';

const tp = (occurredAt: string, purposes?: string[]): Touchpoint => ({
  touchpointId: `t-${occurredAt}`,
  customerId: 'c-1',
  occurredAt,
  channel: 'email',
  category: 'interactive',
  interaction: 'exposure',
  ...(purposes === undefined ? {} : { purposes }),
});

const change = (
  consentId: string,
  purpose: string,
  status: 'granted' | 'withdrawn',
  effectiveAt: string,
): ConsentChange => ({ consentId, purpose, status, effectiveAt });

describe('consent', () => {
  const history = orderConsentChanges([
    change('c2', 'marketing', 'withdrawn', '2025-03-01T00:00:00.000Z'),
    change('c1', 'marketing', 'granted', '2025-01-01T00:00:00.000Z'),
    change('c3', 'analytics', 'withdrawn', '2025-02-01T00:00:00.000Z'),
  ]);

  it('counts a touchpoint without purposes, and any touchpoint of a customer without consents, as before', () => {
    expect(countsForAnalytics(tp('2025-02-15T00:00:00.000Z'), history)).toBe(true);
    expect(countsForAnalytics(tp('2025-02-15T00:00:00.000Z', ['marketing', 'analytics']), [])).toBe(
      true,
    );
  });

  it('leaves out a touchpoint whose purpose was withdrawn when it happened, not before', () => {
    expect(countsForAnalytics(tp('2025-01-31T23:59:59.999Z', ['analytics']), history)).toBe(true);
    expect(countsForAnalytics(tp('2025-02-01T00:00:00.000Z', ['analytics']), history)).toBe(false);
    expect(countsForAnalytics(tp('2025-02-15T00:00:00.000Z', ['marketing']), history)).toBe(true);
    expect(countsForAnalytics(tp('2025-03-02T00:00:00.000Z', ['marketing']), history)).toBe(false);
  });

  it('needs a grant before the touchpoint for an opt-in purpose', () => {
    const policy = { optInPurposes: new Set(['marketing']) };
    expect(countsForAnalytics(tp('2024-12-31T00:00:00.000Z', ['marketing']), history, policy)).toBe(
      false,
    );
    expect(countsForAnalytics(tp('2025-01-15T00:00:00.000Z', ['marketing']), history, policy)).toBe(
      true,
    );
    expect(countsForAnalytics(tp('2025-01-15T00:00:00.000Z', ['other']), history, policy)).toBe(
      true,
    );
  });

  it('reads the standing at an instant and now', () => {
    expect(consentAt(history, 'marketing', '2025-02-01T00:00:00.000Z')).toBe('granted');
    expect(consentAt(history, 'marketing', '2024-01-01T00:00:00.000Z')).toBeNull();
    expect(currentConsents(history)).toEqual([
      { purpose: 'analytics', status: 'withdrawn', effectiveAt: '2025-02-01T00:00:00.000Z' },
      { purpose: 'marketing', status: 'withdrawn', effectiveAt: '2025-03-01T00:00:00.000Z' },
    ]);
  });

  it('decides the same whatever order the changes arrived in', () => {
    const instants = [
      '2025-01-01T00:00:00.000Z',
      '2025-01-02T00:00:00.000Z',
      '2025-01-03T00:00:00.000Z',
    ];
    const arbChange = fc.record({
      consentId: fc.string({ minLength: 1, maxLength: 3 }),
      purpose: fc.constantFrom('a', 'b'),
      status: fc.constantFrom<'granted' | 'withdrawn'>('granted', 'withdrawn'),
      effectiveAt: fc.constantFrom(...instants),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(arbChange, { selector: (c) => c.consentId, maxLength: 8 }),
        (changes) => {
          const forward = orderConsentChanges(changes);
          const backward = orderConsentChanges([...changes].reverse());
          for (const at of instants) {
            for (const purpose of ['a', 'b']) {
              expect(consentAt(forward, purpose, at)).toBe(consentAt(backward, purpose, at));
            }
          }
        },
      ),
    );
  });
});
