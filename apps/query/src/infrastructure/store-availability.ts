import { isStoreUnavailable } from '@cx/event-store';
import { QueryErrorCode, queryError } from '../query.exception';

/** Runs a read; an unreachable database becomes a typed 503 the client can retry, not a 500. */
export async function readFromStore<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (isStoreUnavailable(error)) {
      throw queryError(QueryErrorCode.StoreUnavailable, 'read store unreachable', [
        { path: '', message: 'the database is unreachable; retry later' },
      ]);
    }
    throw error;
  }
}
