import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { JWTPayload, JWTVerifyGetKey, JWTVerifyOptions, KeyLike } from 'jose';
import { isScope, type Principal, type Scope } from './scopes';

export interface JwtSettings {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
}

/** The token itself is unacceptable (answer 401); the message is safe to show to the client. */
export class CredentialRejected extends Error {
  constructor(
    readonly reason: 'invalid_token',
    message: string,
  ) {
    super(message);
    this.name = 'CredentialRejected';
  }
}

/**
 * The signing keys could not be had, so no token can be judged (answer 503). The message is safe
 * to show to the client; the underlying network or parse error is kept as `cause` for the logs.
 */
export class IdentityProviderUnavailable extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'IdentityProviderUnavailable';
  }
}

// Asymmetric only: an HS* token would be verified with a shared secret that every resource
// server holds, and 'none' with nothing at all.
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'];
const CLOCK_TOLERANCE_S = 30;
// Unsigned tokens (empty third part) still count: they must be rejected as tokens, not be
// mistaken for some other kind of credential.
const COMPACT_JWS = /^[\w-]+\.[\w-]+\.[\w-]*$/;

function rejected(message: string): CredentialRejected {
  return new CredentialRejected('invalid_token', message);
}

function claimProblem(error: errors.JWTClaimValidationFailed): string {
  switch (error.claim) {
    case 'iss':
      return 'token issuer not accepted';
    case 'aud':
      return 'token audience not accepted';
    case 'exp':
      return error.reason === 'missing' ? 'token has no expiry' : 'malformed token';
    case 'nbf':
      return error.reason === 'check_failed' ? 'token not yet valid' : 'malformed token';
    default:
      return 'token claims invalid';
  }
}

/** Turns jose's account of a bad token into ours; anything unrecognised passes through as a bug. */
function translated(error: unknown): unknown {
  if (error instanceof errors.JWTExpired) return rejected('token expired');
  if (error instanceof errors.JWTClaimValidationFailed) return rejected(claimProblem(error));
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return rejected('token signature invalid');
  }
  if (error instanceof errors.JWKSNoMatchingKey) return rejected('token signing key unknown');
  if (error instanceof errors.JOSEAlgNotAllowed) return rejected('token algorithm not accepted');
  // JOSENotSupported here means an unrecognised `crit` header: the token asks for something we
  // cannot honour, which is the token's problem.
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid ||
    error instanceof errors.JOSENotSupported
  ) {
    return rejected('malformed token');
  }
  return error;
}

function spaceSeparated(value: unknown): string[] {
  return typeof value === 'string' ? value.split(' ') : [];
}

function scopesOf(payload: JWTPayload): ReadonlySet<Scope> {
  // `scope` is RFC 8693/9068; `scp` is what some providers (Okta, Entra ID) send instead.
  const scp = payload['scp'];
  const listed = Array.isArray(scp)
    ? scp.filter((item): item is string => typeof item === 'string')
    : spaceSeparated(scp);
  return new Set([...spaceSeparated(payload['scope']), ...listed].filter(isScope));
}

/**
 * Verifies OIDC access tokens against the issuer's published keys. jose's key set caches the
 * JWKS, refetches it when a token names an unknown `kid` (at most every 30 s), and after 10 min.
 */
export class JwtVerifier {
  private readonly keys: JWTVerifyGetKey;
  private readonly options: JWTVerifyOptions;

  constructor(private readonly settings: JwtSettings) {
    const remote = createRemoteJWKSet(new URL(settings.jwksUrl));
    this.keys = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (error) {
        // These two are about the token's header; everything else from the key set (refused,
        // timed out, non-200, not a JWKS, unusable keys) is the provider's fault, not the token's.
        if (
          error instanceof errors.JWKSNoMatchingKey ||
          error instanceof errors.JWKSMultipleMatchingKeys
        ) {
          throw error;
        }
        const message =
          error instanceof errors.JWKSTimeout
            ? 'the identity provider did not answer in time'
            : 'the identity provider’s signing keys could not be fetched';
        throw new IdentityProviderUnavailable(message, { cause: error });
      }
    };
    this.options = {
      issuer: settings.issuer,
      audience: settings.audience,
      algorithms: ALGORITHMS,
      clockTolerance: CLOCK_TOLERANCE_S,
      // A token without `exp` would never expire.
      requiredClaims: ['exp'],
    };
  }

  /** Whether a bearer value looks like a JWS compact token (three base64url parts) — cheap, no crypto. */
  static looksLikeJwt(token: string): boolean {
    return COMPACT_JWS.test(token);
  }

  /**
   * Throws CredentialRejected for anything wrong with the token, IdentityProviderUnavailable when
   * the keys to judge it cannot be had.
   */
  async verify(token: string): Promise<Principal> {
    const payload = await this.verifiedPayload(token);
    const sub = payload.sub;
    if (typeof sub !== 'string' || sub === '') throw rejected('token has no subject');
    return {
      kind: 'jwt',
      id: `jwt:${this.settings.issuer}#${sub}`,
      name: sub,
      scopes: scopesOf(payload),
    };
  }

  private async verifiedPayload(token: string): Promise<JWTPayload> {
    try {
      return (await jwtVerify(token, this.keys, this.options)).payload;
    } catch (error) {
      if (error instanceof errors.JWKSMultipleMatchingKeys) return this.tryEachKey(token, error);
      throw translated(error);
    }
  }

  /**
   * A token without `kid` while the JWKS holds several keys of its type (as during a rotation):
   * jose leaves it to us to try each candidate.
   */
  private async tryEachKey(token: string, candidates: AsyncIterable<KeyLike>): Promise<JWTPayload> {
    for await (const key of candidates) {
      try {
        return (await jwtVerify(token, key, this.options)).payload;
      } catch (error) {
        if (!(error instanceof errors.JWSSignatureVerificationFailed)) throw translated(error);
      }
    }
    throw rejected('token signature invalid');
  }
}
