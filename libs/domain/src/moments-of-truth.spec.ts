import { momentsOfTruth, passagesOf } from './moments-of-truth';
import { tp } from './touchpoint-builders.test-support';

const WINDOW = { from: '2025-01-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' };

describe('moments of truth (§6)', () => {
  it('puts a turn to at_risk down to the named touchpoint it came at or within 30 days of', () => {
    const history = [
      tp({ customerId: 'a', interaction: 'purchase', touchpointName: 'checkout', day: 0 }),
      tp({ customerId: 'a', interaction: 'survey_response', survey: { csat: 5 }, day: 1 }),
      tp({
        customerId: 'a',
        interaction: 'complaint_opened',
        complaintId: 'k',
        reason: 'billing',
        touchpointName: 'invoice-dispute',
        momentOfTruth: true,
        sentiment: -1,
        day: 40,
      }),
      tp({ customerId: 'a', interaction: 'survey_response', survey: { nps: 0 }, day: 45 }),
    ];
    const passages = passagesOf(history);
    expect(passages.map((p) => [p.touchpointName, p.dropped, p.rose, p.signals])).toEqual([
      ['checkout', false, false, 0],
      // the complaint (−1) and its sentiment (−2) are its two signals
      ['invoice-dispute', true, false, 2],
    ]);
    const [first] = momentsOfTruth([{ customerId: 'a', passages }], WINDOW);
    expect(first).toEqual({
      touchpointName: 'invoice-dispute',
      customers: 1,
      meanValence: -1.5,
      dropShare: 1,
      riseShare: 0,
      impact: 1,
      flagged: true,
    });
  });

  it('counts a customer once per name, and only passages inside the window and counted', () => {
    const a = passagesOf([
      tp({ customerId: 'a', interaction: 'exposure', touchpointName: 'tv-spot', day: 0 }),
      tp({ customerId: 'a', interaction: 'exposure', touchpointName: 'tv-spot', day: 2 }),
      tp({ customerId: 'a', interaction: 'exposure', touchpointName: 'tv-spot', day: 400 }),
    ]);
    const b = passagesOf(
      [tp({ customerId: 'b', interaction: 'exposure', touchpointName: 'tv-spot', day: 1 })],
      () => false,
    );
    expect(b).toEqual([]);
    const rows = momentsOfTruth(
      [
        { customerId: 'a', passages: a },
        { customerId: 'b', passages: b },
      ],
      WINDOW,
    );
    expect(rows).toEqual([
      {
        touchpointName: 'tv-spot',
        customers: 1,
        meanValence: null,
        dropShare: 0,
        riseShare: 0,
        impact: 0,
        flagged: false,
      },
    ]);
  });

  it('ranks by impact, then by name', () => {
    const rise = passagesOf([
      tp({ customerId: 'r', interaction: 'purchase', day: 0 }),
      tp({ customerId: 'r', interaction: 'survey_response', survey: { csat: 5 }, day: 1 }),
      tp({ customerId: 'r', interaction: 'survey_response', survey: { csat: 5 }, day: 2 }),
      tp({ customerId: 'r', interaction: 'survey_response', survey: { csat: 5 }, day: 3 }),
      tp({ customerId: 'r', interaction: 'repurchase', touchpointName: 'renewal', day: 10 }),
      tp({ customerId: 'r', interaction: 'exposure', touchpointName: 'newsletter', day: 11 }),
    ]);
    expect(rise.find((p) => p.touchpointName === 'renewal')?.rose).toBe(true);
    const names = momentsOfTruth([{ customerId: 'r', passages: rise }], WINDOW).map(
      (m) => m.touchpointName,
    );
    expect(names[0]).toBe('renewal');
  });
});
