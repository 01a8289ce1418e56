import { parseIsoInstant } from '@cx/contracts';
import { QueryErrorCode, queryError } from '../query.exception';

export const MAX_WINDOW_YEARS = 5;

export interface AnalyticsWindow {
  readonly from: number;
  readonly to: number;
}

/** `from` and `to` once each is a valid instant: `to` after `from`, at most 5 years after it. */
export function analyticsWindow(from: string, to: string): AnalyticsWindow {
  const start = parseIsoInstant(from);
  const end = parseIsoInstant(to);
  if (start === null || end === null) {
    throw queryError(QueryErrorCode.InvalidRequest, 'invalid window', [
      { path: start === null ? 'from' : 'to', message: 'must be an ISO-8601 instant' },
    ]);
  }
  if (end <= start) {
    throw queryError(QueryErrorCode.InvalidRequest, 'invalid window', [
      { path: 'to', message: 'must be after from' },
    ]);
  }
  const limit = new Date(start);
  limit.setUTCFullYear(limit.getUTCFullYear() + MAX_WINDOW_YEARS);
  if (end > limit.getTime()) {
    throw queryError(QueryErrorCode.InvalidRequest, 'invalid window', [
      { path: 'to', message: `must be at most ${MAX_WINDOW_YEARS} years after from` },
    ]);
  }
  return { from: start, to: end };
}
