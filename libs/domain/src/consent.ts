import type { Touchpoint } from './touchpoint';

/** Where a customer stands on one purpose from an instant on. */
export type ConsentStatus = 'granted' | 'withdrawn';

export const CONSENT_STATUSES: readonly ConsentStatus[] = ['granted', 'withdrawn'];

export interface ConsentChange {
  /** Names the change; breaks ties between changes effective at the same instant. */
  readonly consentId: string;
  readonly purpose: string;
  readonly status: ConsentStatus;
  /** ISO-8601 instant from which the change holds. */
  readonly effectiveAt: string;
}

/** What the operator decides: purposes a customer must have granted before they count. */
export interface ConsentPolicy {
  readonly optInPurposes: ReadonlySet<string>;
}

export const NO_OPT_IN: ConsentPolicy = { optInPurposes: new Set() };

/** Oldest first; changes at the same instant by id, so the order they arrived in never matters. */
export function orderConsentChanges(changes: readonly ConsentChange[]): ConsentChange[] {
  return [...changes].sort((a, b) => {
    const at = Date.parse(a.effectiveAt) - Date.parse(b.effectiveAt);
    if (at !== 0) return at;
    return a.consentId < b.consentId ? -1 : a.consentId > b.consentId ? 1 : 0;
  });
}

/** The status of `purpose` at `instant`: the last change effective then, or null without one. */
export function consentAt(
  ordered: readonly ConsentChange[],
  purpose: string,
  instant: string,
): ConsentStatus | null {
  const at = Date.parse(instant);
  let status: ConsentStatus | null = null;
  for (const change of ordered) {
    if (Date.parse(change.effectiveAt) > at) break;
    if (change.purpose === purpose) status = change.status;
  }
  return status;
}

/**
 * Whether analytics count this touchpoint: one without purposes always does; one with purposes
 * only when, at the moment it happened, none of them was withdrawn and every opt-in purpose
 * among them had been granted. A customer who never recorded a consent thus counts as before,
 * unless the operator made one of the touchpoint's purposes opt-in.
 */
export function countsForAnalytics(
  touchpoint: Touchpoint,
  ordered: readonly ConsentChange[],
  policy: ConsentPolicy = NO_OPT_IN,
): boolean {
  const purposes = touchpoint.purposes ?? [];
  return purposes.every((purpose) => {
    const status = consentAt(ordered, purpose, touchpoint.occurredAt);
    if (status === 'withdrawn') return false;
    return status === 'granted' || !policy.optInPurposes.has(purpose);
  });
}

/** The customer's standing per purpose now: the last change of each, by purpose name. */
export function currentConsents(
  ordered: readonly ConsentChange[],
): { purpose: string; status: ConsentStatus; effectiveAt: string }[] {
  const latest = new Map<string, ConsentChange>();
  for (const change of ordered) latest.set(change.purpose, change);
  return [...latest.values()]
    .sort((a, b) => (a.purpose < b.purpose ? -1 : a.purpose > b.purpose ? 1 : 0))
    .map(({ purpose, status, effectiveAt }) => ({ purpose, status, effectiveAt }));
}
