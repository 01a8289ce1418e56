/**
 * Numeric and ordering helpers shared by the whole model.
 * Every score, share and ratio goes through `round9` before a comparison (§3 "Numbers"), so that
 * implementations summing in different orders still agree to the last reported digit.
 */

export function round9(x: number): number {
  const r = Math.round(x * 1e9) / 1e9;
  // -0 would print as 0 but compare as a distinct value in deep-equality tests.
  return r === 0 ? 0 : r;
}

/** Milliseconds since the epoch of an ISO instant, as ingestion normalised it. */
export function instantMs(iso: string): number {
  return Date.parse(iso);
}

export function isoOf(ms: number): string {
  return new Date(ms).toISOString();
}

/** Plain UTF-16 code-unit order, the same in every JavaScript engine and in the checker. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Event-time order: occurredAt, then touchpointId (the spec's "earliest"/"latest" tie-break). */
export function compareEventTime(aAt: number, aId: string, bAt: number, bId: string): number {
  return aAt - bAt || compareIds(aId, bId);
}
