import { randomUUID } from 'node:crypto';

/**
 * A caller's `x-request-id` is kept when it is short and made of characters that cannot break
 * a log line or a header (no spaces, quotes or control characters); anything else is replaced,
 * never echoed, so a request id can be neither a log injection nor a reflected header.
 */
const ACCEPTED = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export const REQUEST_ID_HEADER = 'x-request-id';

export function requestIdFor(given: string | string[] | undefined): string {
  const value = Array.isArray(given) ? given[0] : given;
  return value !== undefined && ACCEPTED.test(value) ? value : randomUUID();
}
