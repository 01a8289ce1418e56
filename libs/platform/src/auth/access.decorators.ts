import {
  applyDecorators,
  createParamDecorator,
  SetMetadata,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiBearerAuth, ApiSecurity } from '@nestjs/swagger';
import { ApiErrorResponse } from '../http/api-error-response';
import type { Principal, Scope } from './scopes';

export const REQUIRED_SCOPE = 'cx:required-scope';
export const PUBLIC_ROUTE = 'cx:public-route';
/** The OpenAPI security scheme every protected route names. */
export const BEARER_SCHEME = 'bearer';

/**
 * Open to anyone who reaches the port (health probes only). OpenAPI says so with an empty
 * security requirement (`security: [{}]`): no credential needed.
 */
export const Public = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(PUBLIC_ROUTE, true), ApiSecurity({}));

/**
 * The scope a route (or every route of a controller) needs — any one of several when more are
 * named — and its OpenAPI security and 401/403/429 answers. A route with neither this nor
 * `@Public()` is refused to everyone but admins.
 */
export function RequireScope(
  scope: Scope,
  ...alternatives: Scope[]
): MethodDecorator & ClassDecorator {
  const scopes = [scope, ...alternatives];
  return applyDecorators(
    SetMetadata(REQUIRED_SCOPE, scopes),
    ApiBearerAuth(BEARER_SCHEME),
    ApiErrorResponse(
      401,
      'No credential, or one that is unknown, expired or revoked (`WWW-Authenticate: Bearer …`).',
      {
        error: 'unauthenticated',
        path: 'authorization',
        message: 'a credential is required: Authorization: Bearer <key or token>',
      },
    ),
    ApiErrorResponse(
      403,
      `The credential lacks the scope ${scopes.map((s) => `\`${s}\``).join(' or ')}.`,
      {
        error: 'forbidden',
        path: 'authorization',
        message: `this credential lacks the scope ${scopes.join(' or ')}`,
      },
    ),
    ApiErrorResponse(
      429,
      'Over the rate of this credential, or too many refused credentials from this address; see `Retry-After`.',
      { error: 'too_many_requests', message: 'over the request rate of this credential' },
    ),
  );
}

/** The authenticated caller, as the access guard attached it to the request. */
export interface WithPrincipal {
  principal?: Principal;
}

export const CurrentPrincipal = createParamDecorator(
  (_: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<WithPrincipal>().principal;
    if (principal === undefined) throw new Error('CurrentPrincipal on a route without the guard');
    return principal;
  },
);
