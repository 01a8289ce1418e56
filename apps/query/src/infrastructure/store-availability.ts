import { isStoreUnavailable } from '@cx/event-store';
import { QueryErrorCode, queryError } from '../query.exception';

const DEADLOCK = '40P01';
const READ_ATTEMPTS = 3;

function isDeadlock(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === DEADLOCK;
}

/**
 * Runs a read; an unreachable database becomes a typed 503 the client can retry, not a 500. A
 * read that lost a deadlock (one that reads several tables while a rebuild swaps them in) is
 * simply read again: it wrote nothing.
 */
export async function readFromStore<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (isDeadlock(error) && attempt < READ_ATTEMPTS) continue;
      throw asStoreError(error);
    }
  }
}

function asStoreError(error: unknown): unknown {
  if (isStoreUnavailable(error)) {
    return queryError(QueryErrorCode.StoreUnavailable, 'read store unreachable', [
      { path: '', message: 'the database is unreachable; retry later' },
    ]);
  }
  return error;
}
