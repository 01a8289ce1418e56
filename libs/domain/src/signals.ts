import { dedupeTouchpoints } from './dedupe';
import { inEventTimeOrder, type TimedTouchpoint } from './history';
import { DEFAULT_JOURNEY_DEFINITION, type JourneyDefinition } from './journey-definition';
import type { Category, ComplaintReason, EmotionLevel, Touchpoint } from './touchpoint';

export const SIGNAL_SOURCES = [
  'nps',
  'csat',
  'ces',
  'sentiment',
  'emotion',
  'complaint_opened',
  'complaint_resolved',
  'commitment_kept',
  'commitment_broken',
] as const;
export type SignalSource = (typeof SIGNAL_SOURCES)[number];

/** One experience signal (§3): valence in [−2, +2] at its touchpoint's time and category. */
export interface Signal {
  readonly touchpointId: string;
  /** occurredAt in milliseconds since the epoch */
  readonly at: number;
  readonly category: Category;
  readonly valence: number;
  readonly source: SignalSource;
}

export function npsValence(nps: number): number {
  if (nps <= 3) return -2;
  if (nps <= 6) return -1;
  if (nps <= 8) return 0;
  return nps === 9 ? 1 : 2;
}

export function csatValence(csat: number): number {
  return csat - 3;
}

// The spec's table for (e − 4) × 2 / 3 rounded; spelt out so that 3 → −1 (−0.67) and 5 → +1 (0.67)
// do not depend on a rounding function's treatment of negatives.
const CES_VALENCE: readonly number[] = [Number.NaN, -2, -1, -1, 0, 1, 1, 2];

export function cesValence(ces: number): number {
  const v = CES_VALENCE[ces];
  if (v === undefined || Number.isNaN(v)) throw new RangeError(`CES out of range: ${ces}`);
  return v;
}

export function sentimentValence(sentiment: number): number {
  return 2 * sentiment;
}

const EMOTION_VALENCE: Readonly<Record<EmotionLevel, number>> = {
  rejection: -2,
  decline: -1,
  indifference: 0,
  enjoyment: 1,
  ecstasy: 2,
};

export function emotionValence(level: EmotionLevel): number {
  return EMOTION_VALENCE[level];
}

export interface TimedRef {
  readonly touchpointId: string;
  readonly at: number;
}

/** A complaint as it counts: its earliest opening and, if any, its earliest resolution. */
export interface ComplaintRecord {
  readonly complaintId: string;
  readonly opened: TimedRef;
  readonly reason: ComplaintReason;
  readonly resolved: (TimedRef & { readonly withinSla: boolean }) | null;
}

/** A promise as it counts: its earliest commitment_made and, if any, its earliest settling event. */
export interface CommitmentRecord {
  readonly commitmentId: string;
  readonly made: TimedRef;
  readonly settled: (TimedRef & { readonly kept: boolean }) | null;
}

export interface Settlements {
  readonly complaints: ComplaintRecord[];
  readonly commitments: CommitmentRecord[];
}

function ref(t: TimedTouchpoint): TimedRef {
  return { touchpointId: t.touchpoint.touchpointId, at: t.at };
}

/**
 * Openings and settlements (§3) of one customer's history in event-time order: the first event
 * of a kind met in that order is the earliest, so "only the earliest counts" is "first wins".
 * A resolution or settlement without its opening settles nothing (the record is not created).
 */
export function settlementsOfOrdered(
  ordered: readonly TimedTouchpoint[],
  definition: JourneyDefinition,
): Settlements {
  const openings = new Map<string, { ref: TimedRef; reason: ComplaintReason }>();
  const resolutions = new Map<string, TimedRef>();
  const made = new Map<string, TimedRef>();
  const settles = new Map<string, TimedRef & { kept: boolean }>();
  for (const t of ordered) {
    const tp = t.touchpoint;
    switch (tp.interaction) {
      case 'complaint_opened':
        if (!openings.has(tp.complaintId))
          openings.set(tp.complaintId, { ref: ref(t), reason: tp.reason });
        break;
      case 'complaint_resolved':
        if (!resolutions.has(tp.complaintId)) resolutions.set(tp.complaintId, ref(t));
        break;
      case 'commitment_made':
        if (!made.has(tp.commitmentId)) made.set(tp.commitmentId, ref(t));
        break;
      case 'commitment_kept':
      case 'commitment_broken':
        if (!settles.has(tp.commitmentId))
          settles.set(tp.commitmentId, { ...ref(t), kept: tp.interaction === 'commitment_kept' });
        break;
      case 'exposure':
      case 'inquiry':
      case 'evaluation':
      case 'purchase':
      case 'repurchase':
      case 'referral':
      case 'survey_response':
      case 'feedback':
      case 'cancellation':
        break;
      default: {
        const never: never = tp;
        throw new RangeError(`unknown interaction ${JSON.stringify(never)}`);
      }
    }
  }
  const slaMs = definition.complaints.slaSeconds * 1000;
  const complaints: ComplaintRecord[] = [];
  for (const [complaintId, opening] of openings) {
    const r = resolutions.get(complaintId);
    complaints.push({
      complaintId,
      opened: opening.ref,
      reason: opening.reason,
      // A resolution dated before its opening (clock skew) has a negative delay: within.
      resolved: r === undefined ? null : { ...r, withinSla: r.at - opening.ref.at <= slaMs },
    });
  }
  const commitments: CommitmentRecord[] = [];
  for (const [commitmentId, m] of made) {
    commitments.push({ commitmentId, made: m, settled: settles.get(commitmentId) ?? null });
  }
  return { complaints, commitments };
}

/** The signal (if any) that the interaction itself gives, by touchpointId. */
function interactionSignals(settlements: Settlements): Map<string, [SignalSource, number]> {
  const out = new Map<string, [SignalSource, number]>();
  for (const c of settlements.complaints) {
    out.set(c.opened.touchpointId, ['complaint_opened', -1]);
    if (c.resolved !== null)
      out.set(c.resolved.touchpointId, ['complaint_resolved', c.resolved.withinSla ? 1 : -1]);
  }
  for (const p of settlements.commitments) {
    if (p.settled !== null) {
      out.set(
        p.settled.touchpointId,
        p.settled.kept ? ['commitment_kept', 1] : ['commitment_broken', -2],
      );
    }
  }
  return out;
}

/** The signals of one touchpoint, in the fixed order of SIGNAL_SOURCES. */
export function touchpointSignals(
  t: TimedTouchpoint,
  interactionSignal: readonly [SignalSource, number] | undefined,
): Signal[] {
  const tp = t.touchpoint;
  const out: Signal[] = [];
  const push = (source: SignalSource, valence: number): void => {
    out.push({ touchpointId: tp.touchpointId, at: t.at, category: tp.category, valence, source });
  };
  if (tp.survey?.nps !== undefined) push('nps', npsValence(tp.survey.nps));
  if (tp.survey?.csat !== undefined) push('csat', csatValence(tp.survey.csat));
  if (tp.survey?.ces !== undefined) push('ces', cesValence(tp.survey.ces));
  if (tp.sentiment !== undefined) push('sentiment', sentimentValence(tp.sentiment));
  if (tp.emotion !== undefined) push('emotion', emotionValence(tp.emotion));
  if (interactionSignal !== undefined) push(interactionSignal[0], interactionSignal[1]);
  return out;
}

/** Signals of an ordered, deduplicated history, in event-time order. */
export function signalsOfOrdered(
  ordered: readonly TimedTouchpoint[],
  settlements: Settlements,
): Signal[] {
  const bySettlement = interactionSignals(settlements);
  const out: Signal[] = [];
  for (const t of ordered) {
    for (const s of touchpointSignals(t, bySettlement.get(t.touchpoint.touchpointId))) out.push(s);
  }
  return out;
}

/** All experience signals of one customer's history (any order, duplicates allowed). */
export function signalsOf(
  history: readonly Touchpoint[],
  definition: JourneyDefinition = DEFAULT_JOURNEY_DEFINITION,
): Signal[] {
  const ordered = inEventTimeOrder(dedupeTouchpoints(history).touchpoints);
  return signalsOfOrdered(ordered, settlementsOfOrdered(ordered, definition));
}
