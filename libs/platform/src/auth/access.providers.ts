import type { Provider } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import type { Pool } from 'pg';
import { ApiKeyStore, AuditLog } from '@cx/event-store';
import type { AccessConfig } from './access.config';
import { AccessControl } from './access-control';
import { AccessGuard } from './access.guard';
import { AuditInterceptor } from './audit.interceptor';
import { Authenticator } from './authenticator';
import { JwtVerifier } from './jwt-verifier';

/**
 * Access control of one HTTP service: the key store over the pool registered under `poolToken`,
 * the authenticator (API keys, and OIDC tokens when an issuer is configured), the access decision
 * that the global guard and a gRPC edge share, and the audit log with its interceptor.
 */
export function accessProviders(
  poolToken: symbol,
  config: AccessConfig,
  service: string,
): Provider[] {
  const jwt =
    config.CX_OIDC_ISSUER !== undefined &&
    config.CX_OIDC_AUDIENCE !== undefined &&
    config.CX_OIDC_JWKS_URL !== undefined
      ? new JwtVerifier({
          issuer: config.CX_OIDC_ISSUER,
          audience: config.CX_OIDC_AUDIENCE,
          jwksUrl: config.CX_OIDC_JWKS_URL,
        })
      : null;
  return [
    {
      provide: ApiKeyStore,
      inject: [poolToken],
      useFactory: (pool: Pool): ApiKeyStore => new ApiKeyStore(pool),
    },
    {
      provide: AuditLog,
      inject: [poolToken],
      useFactory: (pool: Pool): AuditLog => new AuditLog(pool),
    },
    {
      provide: APP_INTERCEPTOR,
      inject: [Reflector, AuditLog],
      useFactory: (reflector: Reflector, audit: AuditLog): AuditInterceptor =>
        new AuditInterceptor(reflector, audit),
    },
    {
      provide: Authenticator,
      inject: [ApiKeyStore],
      useFactory: (keys: ApiKeyStore): Authenticator =>
        new Authenticator(keys, jwt, config.CX_AUTH_CACHE_MS),
    },
    {
      provide: AccessControl,
      inject: [Authenticator],
      useFactory: (authenticator: Authenticator): AccessControl =>
        new AccessControl(authenticator, {
          enabled: config.CX_AUTH === 'on',
          service,
          perCredential: {
            perSecond: config.CX_RATE_LIMIT_PER_SECOND,
            burst: config.CX_RATE_LIMIT_BURST,
          },
          failuresPerMinute: config.CX_AUTH_FAILURES_PER_MINUTE,
        }),
    },
    {
      provide: APP_GUARD,
      inject: [Reflector, Authenticator, AccessControl],
      useFactory: (
        reflector: Reflector,
        authenticator: Authenticator,
        access: AccessControl,
      ): AccessGuard => new AccessGuard(reflector, authenticator, access.settings, access),
    },
  ];
}
