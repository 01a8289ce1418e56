import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';
import type { Queryable } from '../personal-data-cipher';
import { inTransaction } from '../transaction';

/** A key as listed: everything but its secret, which is never stored. */
export interface ApiKeyRecord {
  readonly keyId: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
  /** The key this one replaced by rotation. */
  readonly rotatedFrom: string | null;
}

/** A key just issued: the only moment its full value exists outside the client. */
export interface IssuedApiKey {
  readonly record: ApiKeyRecord;
  readonly key: string;
}

export interface IssueOptions {
  readonly name: string;
  readonly scopes: readonly string[];
  readonly expiresAt?: Date;
}

/**
 * `cxk_<keyId>_<secret>`: the id finds the row without scanning, the prefix lets secret scanners
 * and our own logs recognise a key, and the secret (256 random bits) is compared by digest.
 */
const KEY_PATTERN = /^cxk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export type ApiKeyStatus = 'active' | 'expired' | 'revoked';

/** The one rule of whether a key still works: revoked wins, then its expiry against `now`. */
export function apiKeyStatus(record: ApiKeyRecord, now: number): ApiKeyStatus {
  if (record.revokedAt !== null) return 'revoked';
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= now) return 'expired';
  return 'active';
}

export function looksLikeApiKey(value: string): boolean {
  return value.startsWith('cxk_');
}

interface KeyRow {
  key_id: string;
  name: string;
  secret_hash: Buffer;
  scopes: string[];
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  rotated_from: string | null;
}

const COLUMNS =
  'key_id, name, secret_hash, scopes, created_at, expires_at, revoked_at, last_used_at, rotated_from';

/** Serialises the check for "no key yet" with the first key's insert across processes. */
const FIRST_KEY_LOCK = 0x63786b31; // 'cxk1'

function digest(secret: string): Buffer {
  // A random 256-bit secret needs no slow hash: nothing about it can be guessed from the digest.
  return createHash('sha256').update(secret, 'utf8').digest();
}

function toRecord(row: KeyRow): ApiKeyRecord {
  return {
    keyId: row.key_id,
    name: row.name,
    scopes: row.scopes,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    rotatedFrom: row.rotated_from,
  };
}

/** API keys in `api_keys`: issued, listed, rotated, revoked, and found by their value. */
export class ApiKeyStore {
  constructor(private readonly pool: Pool) {}

  async issue(options: IssueOptions, rotatedFrom: string | null = null): Promise<IssuedApiKey> {
    return this.insert(this.pool, options, rotatedFrom);
  }

  /** Issues an `admin` key only when the database holds no key at all; null when it does. */
  async issueFirstKey(name: string, scopes: readonly string[]): Promise<IssuedApiKey | null> {
    return inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [FIRST_KEY_LOCK]);
      const { rows } = await client.query('SELECT 1 FROM api_keys LIMIT 1');
      if (rows.length > 0) return null;
      return this.insert(client, { name, scopes }, null);
    });
  }

  /** Every key, newest first, revoked ones included (they stay for the audit trail). */
  async list(): Promise<ApiKeyRecord[]> {
    const { rows } = await this.pool.query<KeyRow>(
      `SELECT ${COLUMNS} FROM api_keys ORDER BY created_at DESC, key_id`,
    );
    return rows.map(toRecord);
  }

  /** Revokes at once; revoking again keeps the first revocation time. Null for an unknown id. */
  async revoke(keyId: string): Promise<ApiKeyRecord | null> {
    const { rows } = await this.pool.query<KeyRow>(
      `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE key_id = $1
       RETURNING ${COLUMNS}`,
      [keyId],
    );
    return rows[0] === undefined ? null : toRecord(rows[0]);
  }

  /**
   * Issues a new key with the same name and scopes and retires the old one: at once, or after
   * `graceSeconds` so that clients can be switched over without an outage. Null for an unknown or
   * revoked key.
   */
  async rotate(keyId: string, graceSeconds = 0): Promise<IssuedApiKey | null> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<KeyRow>(
        `SELECT ${COLUMNS} FROM api_keys WHERE key_id = $1 AND revoked_at IS NULL FOR UPDATE`,
        [keyId],
      );
      const old = rows[0];
      if (old === undefined) return null;
      const issued = await this.insert(
        client,
        {
          name: old.name,
          scopes: old.scopes,
          ...(old.expires_at === null ? {} : { expiresAt: old.expires_at }),
        },
        keyId,
      );
      await client.query(
        `UPDATE api_keys SET
           expires_at = LEAST(COALESCE(expires_at, 'infinity'), now() + make_interval(secs => $2))
         WHERE key_id = $1`,
        [keyId, graceSeconds],
      );
      return issued;
    });
  }

  /**
   * The stored key whose value this is, revoked or expired ones included (the caller says why it
   * refuses); null when the value is malformed, unknown, or its secret does not match.
   */
  async find(value: string): Promise<ApiKeyRecord | null> {
    const match = KEY_PATTERN.exec(value);
    if (match === null) return null;
    const [, keyId, secret] = match as unknown as [string, string, string];
    const { rows } = await this.pool.query<KeyRow>(
      `SELECT ${COLUMNS} FROM api_keys WHERE key_id = $1`,
      [keyId],
    );
    const row = rows[0];
    if (row === undefined || !timingSafeEqual(row.secret_hash, digest(secret))) return null;
    return toRecord(row);
  }

  async recordUse(keyIds: readonly string[]): Promise<void> {
    if (keyIds.length === 0) return;
    await this.pool.query(
      'UPDATE api_keys SET last_used_at = now() WHERE key_id = ANY($1::text[])',
      [[...keyIds]],
    );
  }

  private async insert(
    db: Queryable,
    options: IssueOptions,
    rotatedFrom: string | null,
  ): Promise<IssuedApiKey> {
    const keyId = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const { rows } = await db.query<KeyRow>(
      `INSERT INTO api_keys (key_id, name, secret_hash, scopes, expires_at, rotated_from)
       VALUES ($1, $2, $3, $4::text[], $5, $6) RETURNING ${COLUMNS}`,
      [
        keyId,
        options.name,
        digest(secret),
        [...new Set(options.scopes)],
        options.expiresAt ?? null,
        rotatedFrom,
      ],
    );
    return { record: toRecord(rows[0] as KeyRow), key: `cxk_${keyId}_${secret}` };
  }
}
