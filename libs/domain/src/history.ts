import { compareEventTime, instantMs } from './numbers';
import type { Touchpoint } from './touchpoint';

/** A touchpoint with its time parsed once; histories are kept in event-time order. */
export interface TimedTouchpoint {
  readonly touchpoint: Touchpoint;
  readonly at: number;
}

/**
 * Event-time order (occurredAt, then touchpointId). Callers pass deduplicated touchpoints; with
 * distinct ids the order is total, so every later computation is independent of arrival order.
 */
export function inEventTimeOrder(touchpoints: readonly Touchpoint[]): TimedTouchpoint[] {
  return touchpoints
    .map((touchpoint) => ({ touchpoint, at: instantMs(touchpoint.occurredAt) }))
    .sort((a, b) =>
      compareEventTime(a.at, a.touchpoint.touchpointId, b.at, b.touchpoint.touchpointId),
    );
}

/** The one customer a history belongs to; mixing customers is a programming error. */
export function customerOf(touchpoints: readonly Touchpoint[]): string {
  const first = touchpoints[0];
  if (first === undefined) throw new RangeError('a customer history needs at least one touchpoint');
  for (const t of touchpoints) {
    if (t.customerId !== first.customerId) {
      throw new RangeError(
        `touchpoints of several customers: ${first.customerId}, ${t.customerId}`,
      );
    }
  }
  return first.customerId;
}
