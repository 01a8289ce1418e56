import { Logger } from '@nestjs/common';
import {
  apiKeyStatus,
  looksLikeApiKey,
  type ApiKeyRecord,
  type ApiKeyStore,
} from '@cx/event-store';
import { CredentialException } from '../errors/app.exception';
import { ErrorKind } from '../errors/error-kind';
import { CredentialRejected, IdentityProviderUnavailable, JwtVerifier } from './jwt-verifier';
import { isScope, SCOPES, type Principal, type Scope } from './scopes';
import { AppException } from '../errors/app.exception';

/** Everything authenticates as this when `CX_AUTH=off`. */
export const ANONYMOUS: Principal = {
  kind: 'anonymous',
  id: 'anonymous',
  name: 'anonymous (CX_AUTH=off)',
  scopes: new Set(SCOPES),
};

export function unauthenticated(message: string, sent = true): CredentialException {
  return new CredentialException(
    'unauthenticated',
    ErrorKind.Unauthenticated,
    message,
    sent ? 'invalid_token' : undefined,
  );
}

/** 403 naming the scope the route needs (any one of them, when it names several). */
export function missingScope(scopes: readonly Scope[]): CredentialException {
  return new CredentialException(
    'forbidden',
    ErrorKind.PermissionDenied,
    `this credential lacks the scope ${scopes.join(' or ')}`,
    'insufficient_scope',
    // RFC 6750: a space-delimited list.
    scopes.join(' '),
  );
}

interface Cached {
  readonly principal: Principal;
  readonly until: number;
}

/** How often a key's last use is written, at most, per process. */
const LAST_USE_EVERY_MS = 60_000;
/** Bounds the accepted-key cache; it is cleared whole when full (it refills from one query each). */
const MAX_CACHED = 10_000;

function keyPrincipal(record: ApiKeyRecord): Principal {
  return {
    kind: 'api_key',
    id: `key:${record.keyId}`,
    name: record.name,
    scopes: new Set(record.scopes.filter(isScope)),
  };
}

/**
 * Turns an `Authorization` header into a principal: an API key (`cxk_…`, looked up by id and
 * compared by digest) or, when an issuer is configured, an OIDC access token. Accepted keys are
 * remembered for `cacheMs`, so a hot client costs one lookup per interval; that interval is how
 * long a revocation made elsewhere takes to reach this process.
 */
export class Authenticator {
  private readonly logger = new Logger('Authenticator');
  private readonly accepted = new Map<string, Cached>();
  private readonly lastUseWritten = new Map<string, number>();

  constructor(
    private readonly keys: ApiKeyStore,
    private readonly jwt: JwtVerifier | null,
    private readonly cacheMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (authorization === undefined || authorization.trim() === '') {
      throw unauthenticated(
        'a credential is required: Authorization: Bearer <key or token>',
        false,
      );
    }
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    if (match === null) {
      throw new CredentialException(
        'unauthenticated',
        ErrorKind.Unauthenticated,
        'the Authorization header must be: Bearer <key or token>',
        'invalid_request',
      );
    }
    const token = match[1] as string;
    const cached = this.accepted.get(token);
    if (cached !== undefined && cached.until > this.now()) return cached.principal;
    if (looksLikeApiKey(token)) return this.byApiKey(token);
    if (this.jwt !== null && JwtVerifier.looksLikeJwt(token)) return this.byJwt(this.jwt, token);
    throw unauthenticated('unknown credential');
  }

  /** Drops what this process remembers about a key (revoked or rotated here). */
  forget(keyId: string): void {
    for (const [token, cached] of this.accepted) {
      if (cached.principal.id === `key:${keyId}`) this.accepted.delete(token);
    }
  }

  private async byApiKey(token: string): Promise<Principal> {
    const record = await this.keys.find(token);
    if (record === null) throw unauthenticated('unknown API key');
    const now = this.now();
    const status = apiKeyStatus(record, now);
    if (status !== 'active') throw unauthenticated(`API key ${status}`);
    const expiresAt = record.expiresAt === null ? Infinity : Date.parse(record.expiresAt);
    const principal = keyPrincipal(record);
    this.remember(token, principal, Math.min(now + this.cacheMs, expiresAt));
    this.noteUse(record.keyId, now);
    return principal;
  }

  private async byJwt(verifier: JwtVerifier, token: string): Promise<Principal> {
    try {
      // Not cached: a token's own expiry is checked on every request, and verification is local.
      return await verifier.verify(token);
    } catch (error) {
      if (error instanceof CredentialRejected) throw unauthenticated(error.message);
      if (error instanceof IdentityProviderUnavailable) {
        throw new AppException(
          'identity_provider_unavailable',
          ErrorKind.Unavailable,
          'the identity provider’s signing keys cannot be fetched; retry later',
          [{ path: 'authorization', message: error.message }],
        );
      }
      throw error;
    }
  }

  private remember(token: string, principal: Principal, until: number): void {
    if (this.cacheMs === 0) return;
    if (this.accepted.size >= MAX_CACHED) this.accepted.clear();
    this.accepted.set(token, { principal, until });
  }

  private noteUse(keyId: string, now: number): void {
    const last = this.lastUseWritten.get(keyId) ?? -Infinity;
    if (now - last < LAST_USE_EVERY_MS) return;
    this.lastUseWritten.set(keyId, now);
    // Bookkeeping must never fail a request that was authenticated.
    this.keys.recordUse([keyId]).catch((error: unknown) => {
      this.lastUseWritten.delete(keyId);
      this.logger.warn(`could not record the use of key ${keyId}: ${String(error)}`);
    });
  }
}
