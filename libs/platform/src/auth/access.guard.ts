import {
  Injectable,
  Logger,
  type CanActivate,
  type ExecutionContext,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PUBLIC_ROUTE, REQUIRED_SCOPE, type WithPrincipal } from './access.decorators';
import { AccessControl, type AccessSettings } from './access-control';
import { Authenticator } from './authenticator';
import type { Scope } from './scopes';

export type { AccessSettings } from './access-control';

interface GuardedRequest extends WithPrincipal {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly socket: { readonly remoteAddress?: string };
}

/**
 * The one gate of every HTTP route: a route is public (`@Public()`), names the scope it needs
 * (`@RequireScope`), or is refused to everyone, so a route added without a thought is closed.
 * The decision itself (credential, rate limits, scope) is the service's `AccessControl`, which
 * its gRPC edge shares.
 */
@Injectable()
export class AccessGuard implements CanActivate, OnApplicationBootstrap {
  private readonly logger = new Logger('Access');

  constructor(
    private readonly reflector: Reflector,
    authenticator: Authenticator,
    private readonly settings: AccessSettings,
    private readonly access: AccessControl = new AccessControl(authenticator, settings),
  ) {}

  onApplicationBootstrap(): void {
    if (this.settings.enabled) return;
    const line = '!'.repeat(78);
    this.logger.warn(
      `\n${line}\n!! CX_AUTH=off: ${this.settings.service} serves EVERY request WITHOUT a credential,\n` +
        `!! personal data included. Never run it like this where anyone else can connect.\n${line}`,
    );
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Closed to transports it does not know: the gRPC edge admits its calls itself.
    if (context.getType() !== 'http') return false;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets) === true) return true;
    const request = context.switchToHttp().getRequest<GuardedRequest>();
    // Closed unless the route says otherwise: only admins reach a route nobody annotated.
    const scopes = this.reflector.getAllAndOverride<readonly Scope[]>(REQUIRED_SCOPE, targets) ?? [
      'admin',
    ];
    const header = request.headers.authorization;
    request.principal = await this.access.admit({
      authorization: Array.isArray(header) ? header[0] : header,
      address: request.socket.remoteAddress ?? 'unknown',
      scopes,
    });
    return true;
  }
}
