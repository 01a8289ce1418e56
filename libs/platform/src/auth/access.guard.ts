import {
  Injectable,
  Logger,
  type CanActivate,
  type ExecutionContext,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppException, CredentialException } from '../errors/app.exception';
import { ErrorKind } from '../errors/error-kind';
import { PUBLIC_ROUTE, REQUIRED_SCOPE, type WithPrincipal } from './access.decorators';
import { ANONYMOUS, Authenticator, missingScope } from './authenticator';
import { RateLimiter } from './rate-limiter';
import type { Scope } from './scopes';

export interface AccessSettings {
  readonly enabled: boolean;
  /** Which service this is, for the warning when access control is off. */
  readonly service: string;
  readonly perCredential: { readonly perSecond: number; readonly burst: number };
  readonly failuresPerMinute: number;
}

interface GuardedRequest extends WithPrincipal {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly socket: { readonly remoteAddress?: string };
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
 * The one gate of every HTTP route: a route is public (`@Public()`), names the scope it needs
 * (`@RequireScope`), or is refused to everyone, so a route added without a thought is closed.
 * Refused credentials are counted per client address, accepted ones rate-limited per credential.
 */
@Injectable()
export class AccessGuard implements CanActivate, OnApplicationBootstrap {
  private readonly logger = new Logger('Access');
  private readonly perCredential: RateLimiter;
  private readonly failures: RateLimiter;

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly settings: AccessSettings,
  ) {
    this.perCredential = new RateLimiter(settings.perCredential);
    this.failures = new RateLimiter({
      perSecond: settings.failuresPerMinute / 60,
      burst: settings.failuresPerMinute,
    });
  }

  onApplicationBootstrap(): void {
    if (this.settings.enabled) return;
    const line = '!'.repeat(78);
    this.logger.warn(
      `\n${line}\n!! CX_AUTH=off: ${this.settings.service} serves EVERY request WITHOUT a credential,\n` +
        `!! personal data included. Never run it like this where anyone else can connect.\n${line}`,
    );
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Closed to transports it does not know: a gRPC edge must bring its own authentication.
    if (context.getType() !== 'http') return false;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets) === true) return true;
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    // Closed unless the route says otherwise: only admins reach a route nobody annotated.
    const scopes = this.reflector.getAllAndOverride<readonly Scope[]>(REQUIRED_SCOPE, targets) ?? [
      'admin',
    ];
    if (!this.settings.enabled) {
      request.principal = ANONYMOUS;
      return true;
    }
    const principal = await this.authenticate(request);
    const decision = this.perCredential.take(principal.id);
    if (!decision.allowed) {
      throw tooManyRequests('over the request rate of this credential', decision.retryAfterSeconds);
    }
    if (!scopes.some((scope) => principal.scopes.has(scope))) throw missingScope(scopes);
    request.principal = principal;
    return true;
  }

  private async authenticate(
    request: GuardedRequest,
  ): Promise<NonNullable<WithPrincipal['principal']>> {
    const address = request.socket.remoteAddress ?? 'unknown';
    // An address that keeps sending bad credentials is refused before any lookup.
    if (!this.failures.wouldAllow(address)) {
      const retry = this.failures.take(address);
      throw tooManyRequests(
        'too many refused credentials from this address',
        retry.allowed ? 1 : retry.retryAfterSeconds,
      );
    }
    const header = request.headers.authorization;
    try {
      return await this.authenticator.authenticate(Array.isArray(header) ? header[0] : header);
    } catch (error) {
      if (error instanceof CredentialException) this.failures.take(address);
      throw error;
    }
  }
}
