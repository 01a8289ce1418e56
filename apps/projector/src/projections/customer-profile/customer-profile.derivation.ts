import {
  deriveProfile,
  deriveStageHistory,
  inEventTimeOrder,
  type CustomerProfile,
  type StageHistory,
} from '@cx/domain';
import {
  INSIGHT_TYPES,
  type CustomerInsight,
  type InsightCause,
  type InsightType,
} from '@cx/contracts';
import type { PositionedTouchpoint } from '@cx/read-models';

/**
 * The pure half of the projector: from a customer's whole (public) history to the read-model row,
 * and from the row before and after a batch to the derived events. No I/O, so it is tested alone.
 */

/** The columns of `customer_profiles` that worklists filter on and insights compare. */
export interface ProfileColumns {
  readonly stage: string;
  readonly phase: string;
  readonly status: string;
  readonly emotionLevel: string;
  readonly emotionScore: number | null;
  readonly loyaltySide: string;
  readonly loyaltyPosition: number;
  readonly touchpoints: number;
}

export interface ProjectedCustomer {
  readonly customerId: string;
  readonly profile: CustomerProfile;
  readonly stageHistory: StageHistory;
  readonly columns: ProfileColumns;
  /** The highest event-store position among the customer's touchpoints. */
  readonly lastPosition: number;
}

export function columnsOf(profile: CustomerProfile): ProfileColumns {
  return {
    stage: profile.stage,
    phase: profile.phase,
    status: profile.status,
    emotionLevel: profile.emotion.level,
    emotionScore: profile.emotion.score,
    loyaltySide: profile.loyalty.side,
    loyaltyPosition: profile.loyalty.position,
    touchpoints: profile.touchpoints,
  };
}

/** Recomputes a customer's read model from their complete history (any order). */
export function projectCustomer(history: readonly PositionedTouchpoint[]): ProjectedCustomer {
  const touchpoints = history.map((h) => h.touchpoint);
  const profile = deriveProfile(touchpoints);
  return {
    customerId: profile.customerId,
    profile,
    stageHistory: deriveStageHistory(touchpoints),
    columns: columnsOf(profile),
    lastPosition: history.reduce((max, h) => Math.max(max, h.position), 0),
  };
}

/**
 * The touchpoint held responsible for a batch's changes of one customer: the latest by event time
 * (ties broken by id, as everywhere in the model) among the batch's new touchpoints of that customer.
 */
export function causeOf(newTouchpoints: readonly PositionedTouchpoint[]): InsightCause {
  const ordered = inEventTimeOrder(newTouchpoints.map((n) => n.touchpoint));
  const latest = ordered[ordered.length - 1]?.touchpoint;
  if (latest === undefined) throw new RangeError('a change needs at least one new touchpoint');
  const position = newTouchpoints.find(
    (n) => n.touchpoint.touchpointId === latest.touchpointId,
  )?.position;
  return {
    touchpointId: latest.touchpointId,
    occurredAt: latest.occurredAt,
    interaction: latest.interaction,
    channel: latest.channel,
    position: position ?? 0,
  };
}

/** One insight per watched column whose value differs between the row before and after. */
export function insightsOf(
  customerId: string,
  before: ProfileColumns | null,
  after: ProfileColumns,
  cause: InsightCause,
): CustomerInsight[] {
  const watched: readonly [InsightType, keyof ProfileColumns][] = [
    [INSIGHT_TYPES.stage, 'stage'],
    [INSIGHT_TYPES.emotionLevel, 'emotionLevel'],
    [INSIGHT_TYPES.loyaltyPosition, 'loyaltyPosition'],
    [INSIGHT_TYPES.status, 'status'],
  ];
  const out: CustomerInsight[] = [];
  for (const [type, column] of watched) {
    const from = before === null ? null : before[column];
    const to = after[column];
    if (to === null || from === to) continue;
    out.push({ type, customerId, from, to, causedBy: cause });
  }
  return out;
}
