import { ThrottledWarnings } from './throttled-warnings';

describe('ThrottledWarnings', () => {
  it('logs the first of a kind, then one per window with the count left out', () => {
    let now = 0;
    const lines: string[] = [];
    const warnings = new ThrottledWarnings({ warn: (m) => lines.push(m) }, 10_000, () => now);
    warnings.warn('store_unavailable', 'store_unavailable: ECONNREFUSED');
    for (let i = 0; i < 5; i++) {
      now += 1000;
      warnings.warn('store_unavailable', 'store_unavailable: ECONNREFUSED');
    }
    warnings.warn('projection_not_caught_up', 'projection_not_caught_up: behind');
    now = 12_000;
    warnings.warn('store_unavailable', 'store_unavailable: the database system is starting up');
    expect(lines).toEqual([
      'store_unavailable: ECONNREFUSED',
      'projection_not_caught_up: behind',
      'store_unavailable: the database system is starting up (5 more store_unavailable not logged in the 12 s before)',
    ]);
  });
});
