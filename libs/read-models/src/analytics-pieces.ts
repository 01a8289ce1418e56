/** A stretch of time read from one level of the analytics: cells of a grain, or answers (`r`). */
export interface TimePiece {
  readonly bucket: string | null;
  readonly grain: 'r' | 'q' | 'h' | 'd';
  readonly start: number;
  readonly end: number;
}

const QUARTER_MS = 15 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

const up = (ms: number, grain: number): number => Math.ceil(ms / grain) * grain;
const down = (ms: number, grain: number): number => Math.floor(ms / grain) * grain;

const LEVELS: readonly { readonly grain: TimePiece['grain']; readonly ms: number }[] = [
  { grain: 'q', ms: QUARTER_MS },
  { grain: 'h', ms: HOUR_MS },
  { grain: 'd', ms: DAY_MS },
];

/**
 * Covers the half-open range [start, end) with the coarsest cells that lie wholly inside it: UTC
 * days in the middle, then hours, then quarter hours towards the edges, and the answers
 * themselves for what is left of a quarter hour at either end. So a whole UTC day reads one cell
 * per group, a Madrid day 24 hour cells, a Kathmandu day (UTC+5:45) two quarter-hour cells more.
 */
export function piecesOf(bucket: string | null, start: number, end: number): TimePiece[] {
  const head: TimePiece[] = [];
  const tail: TimePiece[] = [];
  let s = start;
  let e = end;
  let grain: TimePiece['grain'] = 'r';
  for (const level of LEVELS) {
    const ls = up(s, level.ms);
    const le = down(e, level.ms);
    if (ls >= le) break;
    if (s < ls) head.push({ bucket, grain, start: s, end: ls });
    if (le < e) tail.unshift({ bucket, grain, start: le, end: e });
    s = ls;
    e = le;
    grain = level.grain;
  }
  const middle: TimePiece[] = s < e ? [{ bucket, grain, start: s, end: e }] : [];
  return [...head, ...middle, ...tail];
}
