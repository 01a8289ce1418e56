import { parseTouchpoint } from '@cx/contracts';
import { JourneyGenerator } from './journey-generator';

describe('JourneyGenerator', () => {
  const options = { customers: 40, touchpoints: 600, seed: 11 };

  it('is reproducible from its seed and yields exactly the asked numbers', () => {
    const a = [...new JourneyGenerator(options).touchpoints()];
    const b = [...new JourneyGenerator(options).touchpoints()];
    expect(a).toEqual(b);
    expect(a).toHaveLength(600);
    expect(new Set(a.map((t) => t.customerId)).size).toBe(40);
    expect(new Set(a.map((t) => t.touchpointId)).size).toBe(600);
  });

  it('yields only touchpoints that ingestion accepts', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    for (const t of new JourneyGenerator(options).touchpoints()) {
      const parsed = parseTouchpoint(JSON.parse(JSON.stringify(t)), { now });
      expect(parsed).toEqual({ ok: true, touchpoint: t });
    }
  });

  it('plants every interaction at least once in a larger sample', () => {
    const seen = new Set(
      [...new JourneyGenerator({ customers: 200, touchpoints: 4000, seed: 5 }).touchpoints()].map(
        (t) => t.interaction,
      ),
    );
    expect([...seen].sort()).toEqual(
      [
        'cancellation',
        'commitment_broken',
        'commitment_kept',
        'commitment_made',
        'complaint_opened',
        'complaint_resolved',
        'evaluation',
        'exposure',
        'feedback',
        'inquiry',
        'purchase',
        'referral',
        'repurchase',
        'survey_response',
      ].sort(),
    );
  });
});
