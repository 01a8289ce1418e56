import { piecesOf } from './analytics-pieces';

const Q = 15 * 60 * 1000;
const D = 24 * 60 * 60 * 1000;
const day = Date.UTC(2025, 5, 2);

describe('piecesOf', () => {
  it('reads a whole UTC day from one day cell', () => {
    expect(piecesOf('2025-06-02', day, day + D)).toEqual([
      { bucket: '2025-06-02', grain: 'd', start: day, end: day + D },
    ]);
  });

  it('reads a Madrid day (UTC+2) from hour cells', () => {
    const start = day - 2 * 3600_000;
    expect(piecesOf('b', start, start + D)).toEqual([
      { bucket: 'b', grain: 'h', start, end: start + D },
    ]);
  });

  it('reads a Madrid week from day cells between hour edges', () => {
    const start = day - 2 * 3600_000;
    expect(piecesOf('w', start, start + 7 * D)).toEqual([
      { bucket: 'w', grain: 'h', start, end: day },
      { bucket: 'w', grain: 'd', start: day, end: day + 6 * D },
      { bucket: 'w', grain: 'h', start: day + 6 * D, end: start + 7 * D },
    ]);
  });

  it('reads a Kathmandu day (UTC+5:45) from hours between quarter hours', () => {
    const start = day + 18 * 3600_000 + 15 * 60_000;
    expect(piecesOf('k', start, start + D)).toEqual([
      { bucket: 'k', grain: 'q', start, end: day + 19 * 3600_000 },
      { bucket: 'k', grain: 'h', start: day + 19 * 3600_000, end: day + D + 18 * 3600_000 },
      { bucket: 'k', grain: 'q', start: day + D + 18 * 3600_000, end: start + D },
    ]);
  });

  it('reads the ragged ends of a window from the answers', () => {
    const start = day + 7 * 60_000 + 123;
    const end = day + 3 * Q + 5;
    expect(piecesOf(null, start, end)).toEqual([
      { bucket: null, grain: 'r', start, end: day + Q },
      { bucket: null, grain: 'q', start: day + Q, end: day + 3 * Q },
      { bucket: null, grain: 'r', start: day + 3 * Q, end },
    ]);
  });

  it('uses each grain only where the finer ones leave off', () => {
    const start = day + 7 * 60_000;
    const end = day + 2 * D + 5 * 3600_000 + 20 * 60_000;
    expect(piecesOf(null, start, end).map((p) => p.grain)).toEqual([
      'r',
      'q',
      'h',
      'd',
      'h',
      'q',
      'r',
    ]);
  });

  it('covers any range exactly, in order, before 1970 too', () => {
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      const start = -3e12 + next(2 ** 31) * 3000;
      const end = start + next(40 * D);
      const pieces = piecesOf(null, start, end);
      let at = start;
      for (const p of pieces) {
        expect(p.start).toBe(at);
        expect(p.end).toBeGreaterThan(p.start);
        if (p.grain !== 'r') {
          const size = p.grain === 'q' ? Q : p.grain === 'h' ? 4 * Q : D;
          expect(((p.start % size) + size) % size).toBe(0);
          expect(((p.end % size) + size) % size).toBe(0);
        }
        at = p.end;
      }
      expect(at).toBe(start === end ? start : end);
    }
  });
});
