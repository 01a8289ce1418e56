/**
 * The decisions of §2–§4 taken from a few aggregated facts. Both the full recomputation
 * (profile) and the incremental replay (stage history) reduce a history to `CustomerFacts`, then
 * share this one function, so they cannot disagree on a rule.
 */
import type { JourneyDefinition } from './journey-definition';
import { round9 } from './numbers';
import type { Category, EmotionLevel } from './touchpoint';

export const STAGES = [
  'awareness',
  'knowledge',
  'consideration',
  'selection',
  'satisfaction',
  'loyalty',
  'advocacy',
] as const;
export type Stage = (typeof STAGES)[number];

export const PHASES = ['pre_purchase', 'purchase', 'post_purchase'] as const;
export type Phase = (typeof PHASES)[number];

export function phaseOf(stage: Stage): Phase {
  switch (stage) {
    case 'awareness':
    case 'knowledge':
    case 'consideration':
      return 'pre_purchase';
    case 'selection':
      return 'purchase';
    case 'satisfaction':
    case 'loyalty':
    case 'advocacy':
      return 'post_purchase';
    default: {
      const never: never = stage;
      return never;
    }
  }
}

export const LIFECYCLE_STATUSES = ['active', 'at_risk', 'lost'] as const;
export type LifecycleStatus = (typeof LIFECYCLE_STATUSES)[number];

export const CRITERIA = [
  'positive_interactions',
  'consistency',
  'credibility',
  'authenticity',
  'reliability',
  'loyalty',
] as const;
export type CriterionName = (typeof CRITERIA)[number];

/** Negative counterpart of criteria 2–6, by criterion number. */
export const NEGATIVE_COUNTERPARTS = [
  'inconsistency',
  'distrust',
  'falsehood',
  'disloyalty',
  'loss',
] as const;
export type NegativeCounterpart = (typeof NEGATIVE_COUNTERPARTS)[number];

export type CriterionState = 'met' | 'not_met' | 'broken';
export type LoyaltySide = 'positive' | 'negative';

export interface EmotionDescription {
  readonly feeling: string;
  readonly recall: 'none' | 'medium' | 'high';
  readonly impact: string;
}

export const EMOTION_DESCRIPTIONS: Readonly<Record<EmotionLevel, EmotionDescription>> = {
  rejection: { feeling: 'I hate it', recall: 'high', impact: 'loss' },
  decline: { feeling: "I don't like it", recall: 'medium', impact: 'very low' },
  indifference: { feeling: 'whatever', recall: 'none', impact: 'low' },
  enjoyment: { feeling: 'I like it', recall: 'medium', impact: 'shares with a few' },
  ecstasy: { feeling: 'I love it', recall: 'high', impact: 'shares with many' },
};

/** The level of a score already rounded to 9 decimals; no score means indifference. */
export function emotionLevelOf(score: number | null, definition: JourneyDefinition): EmotionLevel {
  if (score === null) return 'indifference';
  const e = definition.emotion;
  if (score <= e.rejectionAtMost) return 'rejection';
  if (score <= e.declineAtMost) return 'decline';
  if (score < e.enjoymentFrom) return 'indifference';
  if (score < e.ecstasyFrom) return 'enjoyment';
  return 'ecstasy';
}

/** Σw, Σw over v > 0, and Σw·v of a set of signals, w relative to the same T. */
export interface WeightedTally {
  count: number;
  sumW: number;
  sumWPositive: number;
  sumWV: number;
}

export function emptyTally(): WeightedTally {
  return { count: 0, sumW: 0, sumWPositive: 0, sumWV: 0 };
}

export interface CustomerFacts {
  readonly all: WeightedTally;
  readonly byCategory: Readonly<Record<Category, WeightedTally>>;
  /** Signals at or after the earliest purchase; empty without a purchase. */
  readonly postPurchase: WeightedTally;
  readonly hasInquiry: boolean;
  readonly hasEvaluation: boolean;
  readonly hasPurchase: boolean;
  readonly hasRepurchase: boolean;
  readonly hasReferral: boolean;
  /** Settled promises: settled commitments plus resolved complaints (plain counts). */
  readonly settled: number;
  readonly kept: number;
  readonly hasMisleadingComplaint: boolean;
  /** Latest positive signal time − earliest positive signal time (ms); null without one. */
  readonly positiveSpanMs: number | null;
  readonly latestNps: { readonly value: number; readonly at: number } | null;
  readonly earliestRepurchaseAt: number | null;
  /** The §2 `lost` condition. */
  readonly lost: boolean;
}

export interface Assessment {
  readonly score: number | null;
  readonly level: EmotionLevel;
  readonly postPurchaseScore: number | null;
  readonly states: readonly CriterionState[];
  readonly side: LoyaltySide;
  readonly position: number;
  readonly reached: NegativeCounterpart | null;
  readonly disloyaltyByNps: boolean;
  readonly stage: Stage;
  readonly status: LifecycleStatus;
}

function scoreOf(t: WeightedTally): number | null {
  return t.count === 0 ? null : round9(t.sumWV / t.sumW);
}

function shareOf(t: WeightedTally): number {
  return round9(t.sumWPositive / t.sumW);
}

function state(broken: boolean, met: boolean): CriterionState {
  return broken ? 'broken' : met ? 'met' : 'not_met';
}

export function assess(f: CustomerFacts, d: JourneyDefinition): Assessment {
  const score = scoreOf(f.all);
  const level = emotionLevelOf(score, d);
  const L = d.loyalty;

  const c1Met =
    f.all.count >= L.positiveInteractions.minSignals &&
    shareOf(f.all) >= L.positiveInteractions.minPositiveShare;

  let inconsistency = false;
  let everyCategoryConsistent = true;
  for (const tally of Object.values(f.byCategory)) {
    if (tally.count < L.consistency.categoryMinSignals) continue;
    const share = shareOf(tally);
    if (share < L.consistency.inconsistencyBelow) inconsistency = true;
    if (share < L.consistency.metShare) everyCategoryConsistent = false;
  }
  const s1: CriterionState = c1Met ? 'met' : 'not_met';
  const s2 = state(inconsistency, c1Met && everyCategoryConsistent);

  const ratio = f.settled > 0 ? round9(f.kept / f.settled) : null;
  const s3 = state(
    ratio !== null && ratio < L.credibility.distrustBelow,
    ratio !== null && ratio >= L.credibility.metRatio,
  );

  const s4 = state(f.hasMisleadingComplaint, s3 === 'met');

  const disloyaltyByNps =
    f.hasRepurchase &&
    f.latestNps !== null &&
    f.earliestRepurchaseAt !== null &&
    f.latestNps.value <= L.disloyaltyMaxNps &&
    f.latestNps.at >= f.earliestRepurchaseAt;
  const s5 = state(
    disloyaltyByNps || level === 'rejection',
    s2 === 'met' &&
      s3 === 'met' &&
      s4 === 'met' &&
      f.positiveSpanMs !== null &&
      f.positiveSpanMs >= L.reliability.minSpanSeconds * 1000,
  );

  const s6 = state(
    f.lost,
    s5 === 'met' &&
      f.hasRepurchase &&
      (f.latestNps === null || f.latestNps.value >= L.loyaltyMinNps),
  );

  const states: CriterionState[] = [s1, s2, s3, s4, s5, s6];
  let deepestBroken = -1;
  states.forEach((s, i) => {
    if (s === 'broken') deepestBroken = i;
  });
  let side: LoyaltySide;
  let position: number;
  let reached: NegativeCounterpart | null;
  if (deepestBroken >= 0) {
    side = 'negative';
    position = deepestBroken + 1;
    reached = NEGATIVE_COUNTERPARTS[deepestBroken - 1] ?? null;
  } else {
    side = 'positive';
    reached = null;
    position = 0;
    while (position < states.length && states[position] === 'met') position++;
  }

  const postPurchaseScore = f.hasPurchase ? scoreOf(f.postPurchase) : null;
  let stage: Stage = 'awareness';
  if (f.hasInquiry) stage = 'knowledge';
  if (f.hasEvaluation) stage = 'consideration';
  if (f.hasPurchase) {
    stage = 'selection';
    if (postPurchaseScore !== null && postPurchaseScore > 0) {
      stage = 'satisfaction';
      const chainAllows = side === 'positive' || position === 2;
      if (f.hasRepurchase && !f.lost && chainAllows) {
        stage = 'loyalty';
        const npsAdvocates =
          f.latestNps !== null && f.latestNps.value >= d.lifecycle.advocacyMinNps;
        if (f.hasReferral || npsAdvocates) stage = 'advocacy';
      }
    }
  }

  const status: LifecycleStatus = f.lost
    ? 'lost'
    : level === 'rejection' || level === 'decline' || side === 'negative'
      ? 'at_risk'
      : 'active';

  return {
    score,
    level,
    postPurchaseScore,
    states,
    side,
    position,
    reached,
    disloyaltyByNps,
    stage,
    status,
  };
}
