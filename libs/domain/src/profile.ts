import {
  assess,
  CRITERIA,
  EMOTION_DESCRIPTIONS,
  emptyTally,
  phaseOf,
  type Assessment,
  type CriterionName,
  type CriterionState,
  type CustomerFacts,
  type LifecycleStatus,
  type LoyaltySide,
  type NegativeCounterpart,
  type Phase,
  type Stage,
  type WeightedTally,
} from './assessment';
import { dedupeTouchpoints, type TouchpointConflict } from './dedupe';
import { customerOf, inEventTimeOrder, type TimedTouchpoint } from './history';
import { DEFAULT_JOURNEY_DEFINITION, type JourneyDefinition } from './journey-definition';
import { compareIds, isoOf } from './numbers';
import { settlementsOfOrdered, signalsOfOrdered, type Settlements, type Signal } from './signals';
import type { Category, EmotionLevel, Touchpoint } from './touchpoint';

export interface CriterionView {
  readonly name: CriterionName;
  readonly state: CriterionState;
  readonly evidence: string[];
}

export interface CustomerProfile {
  readonly customerId: string;
  readonly stage: Stage;
  readonly phase: Phase;
  readonly status: LifecycleStatus;
  readonly emotion: {
    readonly level: EmotionLevel;
    readonly score: number | null;
    readonly feeling: string;
    readonly recall: string;
    readonly impact: string;
    readonly signals: number;
  };
  readonly loyalty: {
    readonly side: LoyaltySide;
    readonly position: number;
    readonly reached: NegativeCounterpart | null;
    readonly criteria: CriterionView[];
  };
  readonly touchpoints: number;
  readonly firstTouchpointAt: string;
  readonly lastTouchpointAt: string;
}

/** A customer's history reduced once: ordered touchpoints, openings/settlements, signals. */
export interface AnalysedHistory {
  readonly ordered: TimedTouchpoint[];
  readonly settlements: Settlements;
  readonly signals: Signal[];
  readonly facts: CustomerFacts;
  readonly assessment: Assessment;
}

function addTo(tally: WeightedTally, w: number, v: number): void {
  tally.count += 1;
  tally.sumW += w;
  tally.sumWV += w * v;
  if (v > 0) tally.sumWPositive += w;
}

/** Literal §3/§4 computation: weights from T = the latest occurredAt, summed in event-time order. */
export function factsOf(
  ordered: readonly TimedTouchpoint[],
  settlements: Settlements,
  signals: readonly Signal[],
  definition: JourneyDefinition,
): CustomerFacts {
  const last = ordered[ordered.length - 1];
  const T = last === undefined ? 0 : last.at;
  const halfLifeMs = definition.emotion.halfLifeSeconds * 1000;

  let hasInquiry = false;
  let hasEvaluation = false;
  let hasRepurchase = false;
  let hasReferral = false;
  let hasMisleadingComplaint = false;
  let earliestPurchaseAt: number | null = null;
  let earliestRepurchaseAt: number | null = null;
  let latestPurchaseAt: number | null = null;
  let latestCancellationAt: number | null = null;
  let latestNps: { value: number; at: number } | null = null;
  for (const { touchpoint: tp, at } of ordered) {
    if (tp.survey?.nps !== undefined) latestNps = { value: tp.survey.nps, at };
    switch (tp.interaction) {
      case 'inquiry':
        hasInquiry = true;
        break;
      case 'evaluation':
        hasEvaluation = true;
        break;
      case 'purchase':
      case 'repurchase':
        earliestPurchaseAt ??= at;
        latestPurchaseAt = at;
        if (tp.interaction === 'repurchase') {
          hasRepurchase = true;
          earliestRepurchaseAt ??= at;
        }
        break;
      case 'referral':
        hasReferral = true;
        break;
      case 'complaint_opened':
        if (tp.reason === 'misleading') hasMisleadingComplaint = true;
        break;
      case 'cancellation':
        latestCancellationAt = at;
        break;
      case 'exposure':
      case 'survey_response':
      case 'feedback':
      case 'complaint_resolved':
      case 'commitment_made':
      case 'commitment_kept':
      case 'commitment_broken':
        break;
      default: {
        const never: never = tp;
        throw new RangeError(`unknown interaction ${JSON.stringify(never)}`);
      }
    }
  }

  const all = emptyTally();
  const byCategory: Record<Category, WeightedTally> = {
    static: emptyTally(),
    human: emptyTally(),
    interactive: emptyTally(),
  };
  const postPurchase = emptyTally();
  let firstPositive: number | null = null;
  let lastPositive: number | null = null;
  for (const s of signals) {
    const w = Math.pow(0.5, (T - s.at) / halfLifeMs);
    addTo(all, w, s.valence);
    addTo(byCategory[s.category], w, s.valence);
    if (earliestPurchaseAt !== null && s.at >= earliestPurchaseAt)
      addTo(postPurchase, w, s.valence);
    if (s.valence > 0) {
      firstPositive = firstPositive === null ? s.at : Math.min(firstPositive, s.at);
      lastPositive = lastPositive === null ? s.at : Math.max(lastPositive, s.at);
    }
  }

  let settled = 0;
  let kept = 0;
  for (const c of settlements.complaints) {
    if (c.resolved === null) continue;
    settled++;
    if (c.resolved.withinSla) kept++;
  }
  for (const p of settlements.commitments) {
    if (p.settled === null) continue;
    settled++;
    if (p.settled.kept) kept++;
  }

  return {
    all,
    byCategory,
    postPurchase,
    hasInquiry,
    hasEvaluation,
    hasPurchase: earliestPurchaseAt !== null,
    hasRepurchase,
    hasReferral,
    settled,
    kept,
    hasMisleadingComplaint,
    positiveSpanMs:
      firstPositive === null || lastPositive === null ? null : lastPositive - firstPositive,
    latestNps,
    earliestRepurchaseAt,
    lost:
      latestCancellationAt !== null &&
      !(latestPurchaseAt !== null && latestPurchaseAt > latestCancellationAt),
  };
}

/** Analyses an already deduplicated history of one customer. */
export function analyseHistory(
  touchpoints: readonly Touchpoint[],
  definition: JourneyDefinition = DEFAULT_JOURNEY_DEFINITION,
): AnalysedHistory {
  const ordered = inEventTimeOrder(touchpoints);
  const settlements = settlementsOfOrdered(ordered, definition);
  const signals = signalsOfOrdered(ordered, settlements);
  const facts = factsOf(ordered, settlements, signals, definition);
  return { ordered, settlements, signals, facts, assessment: assess(facts, definition) };
}

function ids(list: Iterable<string>): string[] {
  return [...new Set(list)].sort(compareIds);
}

/*
 * Evidence: the touchpoints that decided each criterion's state (sorted, deduplicated).
 * - positive_interactions: met → touchpoints with a positive signal; otherwise those with a
 *   non-positive signal (what held the share down; empty when there were merely too few signals).
 * - consistency: broken → non-positive signal touchpoints of the categories below the
 *   inconsistency share; met → positive signal touchpoints of the categories with enough signals
 *   (criterion 1's evidence when no category has enough); not_met → criterion 1's evidence when
 *   1 is not met, else the non-positive signal touchpoints of the categories below the met share.
 * - credibility: met → the counted settlements that were kept; otherwise those that were broken
 *   (empty when nothing is settled).
 * - authenticity: broken → every complaint_opened with reason `misleading`; else credibility's.
 * - reliability: broken → the latest NPS answer and the earliest repurchase (NPS branch) plus,
 *   on rejection, the touchpoints with a negative signal; otherwise the earliest and latest
 *   positive signal touchpoints.
 * - loyalty: broken → the latest cancellation; otherwise the earliest repurchase and the latest
 *   NPS answer, where they exist.
 */
function evidenceOf(h: AnalysedHistory, definition: JourneyDefinition): string[][] {
  const { signals, assessment: a, ordered, settlements } = h;
  const L = definition.loyalty;
  const positive = (s: Signal): boolean => s.valence > 0;
  const notPositive = (s: Signal): boolean => s.valence <= 0;
  const of = (list: readonly Signal[], pred: (s: Signal) => boolean): string[] =>
    ids(list.filter(pred).map((s) => s.touchpointId));

  const e1 = a.states[0] === 'met' ? of(signals, positive) : of(signals, notPositive);

  const byCategory = new Map<Category, Signal[]>();
  for (const s of signals) {
    const list = byCategory.get(s.category) ?? [];
    list.push(s);
    byCategory.set(s.category, list);
  }
  const qualifying = [...byCategory.entries()].filter(
    ([, list]) => list.length >= L.consistency.categoryMinSignals,
  );
  const categoryShare = (c: Category): number => {
    const t = h.facts.byCategory[c];
    return Math.round((t.sumWPositive / t.sumW) * 1e9) / 1e9;
  };
  let e2: string[];
  if (a.states[1] === 'broken') {
    e2 = ids(
      qualifying
        .filter(([c]) => categoryShare(c) < L.consistency.inconsistencyBelow)
        .flatMap(([, list]) => of(list, notPositive)),
    );
  } else if (a.states[1] === 'met') {
    e2 = qualifying.length === 0 ? e1 : ids(qualifying.flatMap(([, list]) => of(list, positive)));
  } else if (a.states[0] !== 'met') {
    e2 = e1;
  } else {
    e2 = ids(
      qualifying
        .filter(([c]) => categoryShare(c) < L.consistency.metShare)
        .flatMap(([, list]) => of(list, notPositive)),
    );
  }

  const settledRefs: { touchpointId: string; kept: boolean }[] = [];
  for (const c of settlements.complaints) {
    if (c.resolved !== null)
      settledRefs.push({ touchpointId: c.resolved.touchpointId, kept: c.resolved.withinSla });
  }
  for (const p of settlements.commitments) {
    if (p.settled !== null)
      settledRefs.push({ touchpointId: p.settled.touchpointId, kept: p.settled.kept });
  }
  const wantKept = a.states[2] === 'met';
  const e3 = ids(settledRefs.filter((r) => r.kept === wantKept).map((r) => r.touchpointId));

  const e4 =
    a.states[3] === 'broken'
      ? ids(
          ordered
            .map((t) => t.touchpoint)
            .filter((tp) => tp.interaction === 'complaint_opened' && tp.reason === 'misleading')
            .map((tp) => tp.touchpointId),
        )
      : e3;

  const latestNpsTp = [...ordered].reverse().find((t) => t.touchpoint.survey?.nps !== undefined);
  const earliestRepurchase = ordered.find((t) => t.touchpoint.interaction === 'repurchase');
  const idOf = (t: TimedTouchpoint | undefined): string[] =>
    t === undefined ? [] : [t.touchpoint.touchpointId];

  let e5: string[];
  if (a.states[4] === 'broken') {
    const list: string[] = [];
    if (a.disloyaltyByNps) list.push(...idOf(latestNpsTp), ...idOf(earliestRepurchase));
    if (a.level === 'rejection') list.push(...of(signals, (s) => s.valence < 0));
    e5 = ids(list);
  } else {
    const pos = signals.filter(positive);
    let first: Signal | undefined;
    let lastSignal: Signal | undefined;
    for (const s of pos) {
      if (first === undefined || s.at < first.at) first = s;
      if (lastSignal === undefined || s.at >= lastSignal.at) lastSignal = s;
    }
    e5 = ids([first, lastSignal].flatMap((s) => (s === undefined ? [] : [s.touchpointId])));
  }

  const e6 =
    a.states[5] === 'broken'
      ? idOf([...ordered].reverse().find((t) => t.touchpoint.interaction === 'cancellation'))
      : ids([...idOf(earliestRepurchase), ...idOf(latestNpsTp)]);

  return [e1, e2, e3, e4, e5, e6];
}

function profileOf(
  customerId: string,
  h: AnalysedHistory,
  definition: JourneyDefinition,
): CustomerProfile {
  const a = h.assessment;
  const evidence = evidenceOf(h, definition);
  const first = h.ordered[0];
  const last = h.ordered[h.ordered.length - 1];
  if (first === undefined || last === undefined) throw new RangeError('no touchpoints');
  const description = EMOTION_DESCRIPTIONS[a.level];
  return {
    customerId,
    stage: a.stage,
    phase: phaseOf(a.stage),
    status: a.status,
    emotion: {
      level: a.level,
      score: a.score,
      feeling: description.feeling,
      recall: description.recall,
      impact: description.impact,
      signals: h.signals.length,
    },
    loyalty: {
      side: a.side,
      position: a.position,
      reached: a.reached,
      criteria: CRITERIA.map((name, i) => ({
        name,
        state: a.states[i] ?? 'not_met',
        evidence: evidence[i] ?? [],
      })),
    },
    touchpoints: h.ordered.length,
    firstTouchpointAt: isoOf(first.at),
    lastTouchpointAt: isoOf(last.at),
  };
}

/** The profile of one customer from their touchpoints (any order; duplicates count once). */
export function deriveProfile(
  customerTouchpoints: readonly Touchpoint[],
  definition: JourneyDefinition = DEFAULT_JOURNEY_DEFINITION,
): CustomerProfile {
  const customerId = customerOf(customerTouchpoints);
  const { touchpoints } = dedupeTouchpoints(customerTouchpoints);
  return profileOf(customerId, analyseHistory(touchpoints, definition), definition);
}

export interface DerivedProfiles {
  /** Sorted by customerId (code-unit order). */
  readonly profiles: CustomerProfile[];
  readonly conflicts: TouchpointConflict[];
}

/** Groups by customer (after a global dedupe by touchpointId), then derives each profile. */
export function groupByCustomer(all: Iterable<Touchpoint>): {
  readonly groups: Map<string, Touchpoint[]>;
  readonly conflicts: TouchpointConflict[];
} {
  const { touchpoints, conflicts } = dedupeTouchpoints(all);
  const groups = new Map<string, Touchpoint[]>();
  for (const t of touchpoints) {
    const list = groups.get(t.customerId);
    if (list === undefined) groups.set(t.customerId, [t]);
    else list.push(t);
  }
  return { groups, conflicts };
}

export function deriveProfiles(
  all: Iterable<Touchpoint>,
  definition: JourneyDefinition = DEFAULT_JOURNEY_DEFINITION,
): DerivedProfiles {
  const { groups, conflicts } = groupByCustomer(all);
  const customerIds = [...groups.keys()].sort(compareIds);
  const profiles: CustomerProfile[] = [];
  for (const customerId of customerIds) {
    const touchpoints = groups.get(customerId) ?? [];
    profiles.push(profileOf(customerId, analyseHistory(touchpoints, definition), definition));
    // Release the group once derived: a large load keeps only the profiles.
    groups.delete(customerId);
  }
  return { profiles, conflicts };
}
