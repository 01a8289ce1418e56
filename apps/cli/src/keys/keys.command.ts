import { Pool } from 'pg';
import { apiKeyStatus, ApiKeyStore, type ApiKeyRecord, type IssuedApiKey } from '@cx/event-store';
import { isScope, SCOPES } from '@cx/platform';
import { migrateDatabase } from '@cx/read-models';
import { auditCli } from '../cli-audit';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/cx_journey';

export interface KeysIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export type KeysRequest =
  | {
      readonly action: 'create';
      readonly name: string;
      readonly scopes: string;
      readonly expires?: string;
    }
  | { readonly action: 'list' }
  | { readonly action: 'revoke'; readonly keyId: string }
  | { readonly action: 'rotate'; readonly keyId: string; readonly graceSeconds: number };

function describe(record: ApiKeyRecord): string {
  const expiry = record.expiresAt === null ? 'never expires' : `expires ${record.expiresAt}`;
  return `key ${record.keyId} "${record.name}", scopes ${record.scopes.join(',')}, ${expiry}`;
}

/** The key alone on the last line, so `tail -1` or `$(…)` in a script gets exactly it. */
function printIssued(io: KeysIo, verb: string, issued: IssuedApiKey): void {
  io.out(`${verb} ${describe(issued.record)}`);
  io.out('store it now: only its digest is kept, it cannot be shown again');
  io.out(issued.key);
}

/** Parses `--scopes a,b`; null (after saying why) when a scope is unknown or none is given. */
export function parseScopes(list: string, io: KeysIo): string[] | null {
  const scopes = list
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const unknown = scopes.filter((s) => !isScope(s));
  if (scopes.length === 0 || unknown.length > 0) {
    io.err(
      `cx keys: ${scopes.length === 0 ? 'no scope given' : `unknown scope ${unknown.join(', ')}`}; ` +
        `scopes are ${SCOPES.join(', ')}`,
    );
    return null;
  }
  return scopes;
}

/** `cx keys …` against the database of `databaseUrl`; resolves to the exit status. */
export async function runKeys(
  request: KeysRequest,
  databaseUrl: string,
  io: KeysIo,
): Promise<number> {
  await migrateDatabase(databaseUrl);
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const status = await perform(request, new ApiKeyStore(pool), io);
    await auditCli(pool, `keys.${request.action}`, `cx keys ${request.action}`, null, status);
    return status;
  } finally {
    await pool.end();
  }
}

async function perform(request: KeysRequest, store: ApiKeyStore, io: KeysIo): Promise<number> {
  switch (request.action) {
    case 'create': {
      const scopes = parseScopes(request.scopes, io);
      if (scopes === null) return 2;
      let expiresAt: Date | undefined;
      if (request.expires !== undefined) {
        expiresAt = new Date(request.expires);
        if (Number.isNaN(expiresAt.getTime())) {
          io.err(`cx keys: --expires must be an ISO 8601 instant, not ${request.expires}`);
          return 2;
        }
      }
      const issued = await store.issue({
        name: request.name,
        scopes,
        ...(expiresAt === undefined ? {} : { expiresAt }),
      });
      printIssued(io, 'created', issued);
      return 0;
    }
    case 'list': {
      const now = Date.now();
      const keys = await store.list();
      io.out(['KEY ID', 'STATUS', 'NAME', 'SCOPES', 'CREATED', 'LAST USED'].join('\t'));
      for (const k of keys) {
        io.out(
          [
            k.keyId,
            apiKeyStatus(k, now),
            k.name,
            k.scopes.join(','),
            k.createdAt,
            k.lastUsedAt ?? '-',
          ].join('\t'),
        );
      }
      return 0;
    }
    case 'revoke': {
      const record = await store.revoke(request.keyId);
      if (record === null) {
        io.err(`cx keys: no key ${request.keyId}`);
        return 1;
      }
      io.out(`revoked ${describe(record)} at ${record.revokedAt ?? ''}`);
      return 0;
    }
    case 'rotate': {
      const issued = await store.rotate(request.keyId, request.graceSeconds);
      if (issued === null) {
        io.err(`cx keys: no active key ${request.keyId}`);
        return 1;
      }
      io.out(
        `key ${request.keyId} retired ${request.graceSeconds === 0 ? 'now' : `in ${request.graceSeconds} s`}`,
      );
      printIssued(io, 'created', issued);
      return 0;
    }
  }
}
