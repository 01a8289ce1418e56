import { STAGES, type Assessment, type Stage } from './assessment';
import { dedupeTouchpoints } from './dedupe';
import { inEventTimeOrder, type TimedTouchpoint } from './history';
import { DEFAULT_JOURNEY_DEFINITION, type JourneyDefinition } from './journey-definition';
import { compareIds, instantMs, round9 } from './numbers';
import { settlementsOfOrdered, signalsOfOrdered } from './signals';
import { assessmentsAfterEachPrefix } from './stage-history';
import type { Touchpoint } from './touchpoint';

/** How long after a touchpoint a turn of the customer's status or stage is put down to it. */
export const MOMENT_HORIZON_MS = 30 * 86_400_000;

const RISK: ReadonlySet<string> = new Set(['at_risk', 'lost']);
const RANK = new Map<Stage, number>(STAGES.map((stage, i) => [stage, i]));
const LOYALTY_RANK = RANK.get('loyalty') ?? 5;

/** One passage of a customer through a named touchpoint, and what followed it. */
export interface Passage {
  readonly touchpointId: string;
  readonly touchpointName: string;
  readonly at: number;
  /** Marked as a moment of truth by whoever recorded it. */
  readonly flagged: boolean;
  /** The sum and number of the valences of its signals (§3). */
  readonly valenceSum: number;
  readonly signals: number;
  /** The status turned `at_risk` or `lost` at it or within 30 days after it. */
  readonly dropped: boolean;
  /** The stage rose to `loyalty` or `advocacy` at it or within 30 days after it. */
  readonly rose: boolean;
}

function turnsOf(assessments: readonly Assessment[]): { drops: boolean[]; rises: boolean[] } {
  // Before the first touchpoint a customer is nobody: active, below every stage.
  let status = 'active';
  let rank = -1;
  const drops: boolean[] = [];
  const rises: boolean[] = [];
  for (const a of assessments) {
    const next = RANK.get(a.stage) ?? 0;
    drops.push(a.status !== status && RISK.has(a.status));
    rises.push(next > rank && next >= LOYALTY_RANK);
    status = a.status;
    rank = next;
  }
  return { drops, rises };
}

/**
 * The passages of one customer through named touchpoints. Trajectories (status and stage after
 * each touchpoint) come from the whole history, as the profile's; the passages and their signals
 * only from the touchpoints `counts` keeps (the analytics' consent rule).
 */
export function passagesOf(
  history: readonly Touchpoint[],
  counts: (t: Touchpoint) => boolean = () => true,
  definition: JourneyDefinition = DEFAULT_JOURNEY_DEFINITION,
): Passage[] {
  const ordered = inEventTimeOrder(dedupeTouchpoints(history).touchpoints);
  const { drops, rises } = turnsOf(assessmentsAfterEachPrefix(ordered, definition));
  const counted: TimedTouchpoint[] = ordered.filter((t) => counts(t.touchpoint));
  const valences = new Map<string, { sum: number; n: number }>();
  for (const s of signalsOfOrdered(counted, settlementsOfOrdered(counted, definition))) {
    const v = valences.get(s.touchpointId) ?? { sum: 0, n: 0 };
    v.sum += s.valence;
    v.n++;
    valences.set(s.touchpointId, v);
  }
  const passages: Passage[] = [];
  ordered.forEach(({ touchpoint: t, at }, i) => {
    if (t.touchpointName === undefined || !counts(t)) return;
    let dropped = false;
    let rose = false;
    for (
      let j = i;
      j < ordered.length && (ordered[j] as TimedTouchpoint).at - at <= MOMENT_HORIZON_MS;
      j++
    ) {
      dropped ||= drops[j] === true;
      rose ||= rises[j] === true;
    }
    const v = valences.get(t.touchpointId) ?? { sum: 0, n: 0 };
    passages.push({
      touchpointId: t.touchpointId,
      touchpointName: t.touchpointName,
      at,
      flagged: t.momentOfTruth === true,
      valenceSum: v.sum,
      signals: v.n,
      dropped,
      rose,
    });
  });
  return passages;
}

export interface MomentOfTruth {
  readonly touchpointName: string;
  /** Customers who passed it inside the window. */
  readonly customers: number;
  /** Mean valence of the signals given there; null without one. */
  readonly meanValence: number | null;
  /** Share of those customers whose status turned at_risk/lost within 30 days after a passage. */
  readonly dropShare: number;
  /** Share of those customers whose stage rose to loyalty/advocacy within 30 days after one. */
  readonly riseShare: number;
  /** dropShare + riseShare: how often the relationship turned, either way, right after it. */
  readonly impact: number;
  /** Some passage was marked `momentOfTruth`: flagged moments show beside the discovered ones. */
  readonly flagged: boolean;
}

/** Per touchpoint name, ranked by impact (then name), from every customer's passages. */
export function momentsOfTruth(
  passages: Iterable<{ readonly customerId: string; readonly passages: readonly Passage[] }>,
  window: { readonly from: string; readonly to: string },
): MomentOfTruth[] {
  const from = instantMs(window.from);
  const to = instantMs(window.to);
  const byName = new Map<
    string,
    { customers: number; dropped: number; rose: number; sum: number; n: number; flagged: boolean }
  >();
  for (const customer of passages) {
    const seen = new Map<string, { dropped: boolean; rose: boolean }>();
    for (const p of customer.passages) {
      if (p.at < from || p.at >= to) continue;
      const cell = byName.get(p.touchpointName) ?? {
        customers: 0,
        dropped: 0,
        rose: 0,
        sum: 0,
        n: 0,
        flagged: false,
      };
      cell.sum += p.valenceSum;
      cell.n += p.signals;
      cell.flagged ||= p.flagged;
      byName.set(p.touchpointName, cell);
      const own = seen.get(p.touchpointName) ?? { dropped: false, rose: false };
      own.dropped ||= p.dropped;
      own.rose ||= p.rose;
      seen.set(p.touchpointName, own);
    }
    for (const [name, own] of seen) {
      const cell = byName.get(name);
      if (cell === undefined) continue;
      cell.customers++;
      if (own.dropped) cell.dropped++;
      if (own.rose) cell.rose++;
    }
  }
  return [...byName.entries()]
    .map(([touchpointName, c]): MomentOfTruth => {
      const dropShare = round9(c.dropped / c.customers);
      const riseShare = round9(c.rose / c.customers);
      return {
        touchpointName,
        customers: c.customers,
        meanValence: c.n === 0 ? null : round9(c.sum / c.n),
        dropShare,
        riseShare,
        impact: round9(dropShare + riseShare),
        flagged: c.flagged,
      };
    })
    .sort((a, b) => b.impact - a.impact || compareIds(a.touchpointName, b.touchpointName));
}
