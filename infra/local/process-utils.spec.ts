import { restartDelayMs } from './process-utils';

describe('restartDelayMs', () => {
  it('doubles from the first pause up to the longest', () => {
    expect([0, 1, 2, 3, 4, 5, 60].map((n) => restartDelayMs(n, 500, 5000))).toEqual([
      500, 1000, 2000, 4000, 5000, 5000, 5000,
    ]);
  });
});
