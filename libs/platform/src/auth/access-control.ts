import { AppException, CredentialException } from '../errors/app.exception';
import { ErrorKind } from '../errors/error-kind';
import { ANONYMOUS, type Authenticator, missingScope } from './authenticator';
import { RateLimiter } from './rate-limiter';
import type { Principal, Scope } from './scopes';

export interface AccessSettings {
  readonly enabled: boolean;
  /** Which service this is, for the warning when access control is off. */
  readonly service: string;
  readonly perCredential: { readonly perSecond: number; readonly burst: number };
  readonly failuresPerMinute: number;
}

/** What any transport knows about a call before it runs: enough to decide on it. */
export interface AccessRequest {
  /** The `Authorization` header, or the `authorization` metadata of a gRPC call. */
  readonly authorization: string | undefined;
  /** The client's address, to count refused credentials per address. */
  readonly address: string;
  /** The call needs any one of these. */
  readonly scopes: readonly Scope[];
}

function tooManyRequests(message: string, retryAfterSeconds: number): AppException {
  return new AppException(
    'too_many_requests',
    ErrorKind.ResourceExhausted,
    message,
    [{ path: '', message }],
    retryAfterSeconds,
  );
}

/**
 * THE access decision of a service, shared by its HTTP guard and its gRPC edge (one instance per
 * service, so a credential has one rate budget whichever transport it uses): authenticate, count
 * refused credentials per address, rate-limit per credential, check the scope.
 */
export class AccessControl {
  private readonly perCredential: RateLimiter;
  private readonly failures: RateLimiter;

  constructor(
    private readonly authenticator: Authenticator,
    readonly settings: AccessSettings,
  ) {
    this.perCredential = new RateLimiter(settings.perCredential);
    this.failures = new RateLimiter({
      perSecond: settings.failuresPerMinute / 60,
      burst: settings.failuresPerMinute,
    });
  }

  /** The caller, admitted; an `AppException` (401, 403, 429) otherwise. */
  async admit(request: AccessRequest): Promise<Principal> {
    if (!this.settings.enabled) return ANONYMOUS;
    const principal = await this.authenticate(request);
    const decision = this.perCredential.take(principal.id);
    if (!decision.allowed) {
      throw tooManyRequests('over the request rate of this credential', decision.retryAfterSeconds);
    }
    if (!request.scopes.some((scope) => principal.scopes.has(scope))) {
      throw missingScope(request.scopes);
    }
    return principal;
  }

  private async authenticate({ authorization, address }: AccessRequest): Promise<Principal> {
    // An address that keeps sending bad credentials is refused before any lookup.
    if (!this.failures.wouldAllow(address)) {
      const retry = this.failures.take(address);
      throw tooManyRequests(
        'too many refused credentials from this address',
        retry.allowed ? 1 : retry.retryAfterSeconds,
      );
    }
    try {
      return await this.authenticator.authenticate(authorization);
    } catch (error) {
      if (error instanceof CredentialException) this.failures.take(address);
      throw error;
    }
  }
}
