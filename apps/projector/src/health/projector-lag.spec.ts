import { computeLag } from './projector-lag';

describe('projector lag', () => {
  const ends = [
    { partition: 1, high: '10', low: '0' },
    { partition: 0, high: '5', low: '0' },
    { partition: 2, high: '7', low: '3' },
  ];

  it('counts end offsets minus recorded next offsets, the log start when never consumed', () => {
    const lag = computeLag(
      ends,
      new Map([
        [0, '5'],
        [1, '4'],
      ]),
      [],
      0,
    );
    expect(lag.partitions.map((p) => [p.partition, p.behind])).toEqual([
      [0, 0],
      [1, 6],
      [2, 4],
    ]);
    expect(lag.eventsBehind).toBe(10);
    expect(lag.oldestUnprocessedAgeSeconds).toBeNull();
  });

  it('ages the oldest unprocessed event from the batch in flight or the last applied message', () => {
    const progress = [
      { partition: 0, highWatermark: '5', inFlightSince: 1_000, lastAppliedAt: null },
      { partition: 1, highWatermark: '10', inFlightSince: null, lastAppliedAt: 4_000 },
    ];
    const lag = computeLag(
      ends,
      new Map([
        [0, '5'],
        [1, '4'],
      ]),
      progress,
      10_000,
    );
    // Partition 0 is caught up, so only partition 1 counts.
    expect(lag.oldestUnprocessedAgeSeconds).toBe(6);
  });
});
