import { QueryErrorCode, QueryException } from '../query.exception';

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

/** Postgres is out of reach (as opposed to a query that is wrong). */
function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as Error & { code?: unknown }).code;
  if (typeof code === 'string') {
    // SQLSTATE class 08: connection exception; 57P01–57P03: the server is shutting down or starting.
    if (code.startsWith('08') || /^57P0[1-3]$/.test(code) || CONNECTION_CODES.has(code))
      return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect/i.test(error.message);
}

/** Runs a read; an unreachable database becomes a typed 503 the client can retry, not a 500. */
export async function readFromStore<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (isConnectionFailure(error)) {
      throw new QueryException(QueryErrorCode.StoreUnavailable, 'read store unreachable', [
        { path: '', message: 'the database is unreachable; retry later' },
      ]);
    }
    throw error;
  }
}
