import type { TimedTouchpoint } from './history';
import { DEFAULT_JOURNEY_DEFINITION, type JourneyDefinition } from './journey-definition';
import { settlementsOfOrdered, signalsOfOrdered, type Signal } from './signals';
import type { Touchpoint } from './touchpoint';

/** One touchpoint rated by both sides (§6). */
export interface PerceptionPair {
  readonly touchpointId: string;
  readonly touchpointName: string | null;
  readonly channel: string;
  /** When the touchpoint occurred (ms). */
  readonly at: number;
  /** The company's own assessment, 1–5. */
  readonly company: number;
  /** The customer's score on the same scale. */
  readonly customer: number;
}

/** The customer's score of one touchpoint on the 1–5 scale: its CSAT, else the mean of v + 3. */
function customerScore(t: Touchpoint, signals: readonly Signal[]): number | null {
  if (t.survey?.csat !== undefined) return t.survey.csat;
  if (signals.length === 0) return null;
  let sum = 0;
  for (const s of signals) sum += s.valence + 3;
  return sum / signals.length;
}

/**
 * The perception pairs of one customer's history (event-time order, deduplicated): every
 * touchpoint that carries a companyAssessment and at least one customer signal.
 */
export function perceptionPairsOf(
  ordered: readonly TimedTouchpoint[],
  definition: JourneyDefinition = DEFAULT_JOURNEY_DEFINITION,
): PerceptionPair[] {
  if (!ordered.some(({ touchpoint }) => touchpoint.companyAssessment !== undefined)) return [];
  const signals = signalsOfOrdered(ordered, settlementsOfOrdered(ordered, definition));
  const byTouchpoint = new Map<string, Signal[]>();
  for (const s of signals) {
    const list = byTouchpoint.get(s.touchpointId);
    if (list === undefined) byTouchpoint.set(s.touchpointId, [s]);
    else list.push(s);
  }
  const pairs: PerceptionPair[] = [];
  for (const { touchpoint: t, at } of ordered) {
    if (t.companyAssessment === undefined) continue;
    const own = byTouchpoint.get(t.touchpointId) ?? [];
    if (own.length === 0) continue;
    const customer = customerScore(t, own);
    if (customer === null) continue;
    pairs.push({
      touchpointId: t.touchpointId,
      touchpointName: t.touchpointName ?? null,
      channel: t.channel,
      at,
      company: t.companyAssessment,
      customer,
    });
  }
  return pairs;
}
