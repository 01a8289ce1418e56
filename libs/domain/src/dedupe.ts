import type { Touchpoint } from './touchpoint';

export interface TouchpointConflict {
  readonly touchpointId: string;
  /** The version that counts: the first one seen. */
  readonly kept: Touchpoint;
  /** A later version with a different payload, reported and not applied. */
  readonly rejected: Touchpoint;
}

export interface DedupeResult {
  readonly touchpoints: Touchpoint[];
  readonly conflicts: TouchpointConflict[];
}

/**
 * Compares two payloads as data: key order does not matter, numbers compare by value, and a key
 * holding `undefined` is the same as an absent key (as it is once serialised to JSON).
 */
export function sameTouchpointData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return a === b || (a !== a && b !== b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameTouchpointData(x, b[i]));
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keysA = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const keysB = Object.keys(rb).filter((k) => rb[k] !== undefined);
  if (keysA.length !== keysB.length) return false;
  return keysA.every(
    (k) => Object.prototype.hasOwnProperty.call(rb, k) && sameTouchpointData(ra[k], rb[k]),
  );
}

/** Same touchpointId counts once; the first version wins; a different later one is a conflict. */
export function dedupeTouchpoints(list: Iterable<Touchpoint>): DedupeResult {
  const byId = new Map<string, Touchpoint>();
  const conflicts: TouchpointConflict[] = [];
  for (const t of list) {
    const kept = byId.get(t.touchpointId);
    if (kept === undefined) byId.set(t.touchpointId, t);
    else if (kept !== t && !sameTouchpointData(kept, t)) {
      conflicts.push({ touchpointId: t.touchpointId, kept, rejected: t });
    }
  }
  return { touchpoints: [...byId.values()], conflicts };
}
