import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUrl, Matches, Max, Min, ValidateIf } from 'class-validator';

/**
 * Who may reach a service and what they may do: the environment every HTTP service shares.
 * A service's own configuration class extends it.
 */
export class AccessConfig {
  /** The address to listen on; `0.0.0.0` (or `::`) only when a network must reach the service. */
  @Matches(/^[A-Za-z0-9.:[\]-]{1,253}$/, { message: 'HOST must be a host name or an address' })
  HOST = '127.0.0.1';

  /** `off` serves every request without a credential, with all scopes: development only. */
  @IsIn(['on', 'off'], { message: 'CX_AUTH must be on or off' })
  CX_AUTH: 'on' | 'off' = 'on';

  /** OIDC issuer whose access tokens are accepted (with audience and JWKS URL, or none of them). */
  @ValidateIf(
    (c: AccessConfig) =>
      c.CX_OIDC_AUDIENCE !== undefined ||
      c.CX_OIDC_JWKS_URL !== undefined ||
      c.CX_OIDC_ISSUER !== undefined,
  )
  @Matches(/^\S+$/, {
    message: 'CX_OIDC_ISSUER is required with CX_OIDC_AUDIENCE and CX_OIDC_JWKS_URL',
  })
  CX_OIDC_ISSUER?: string;

  @ValidateIf(
    (c: AccessConfig) =>
      c.CX_OIDC_ISSUER !== undefined ||
      c.CX_OIDC_JWKS_URL !== undefined ||
      c.CX_OIDC_AUDIENCE !== undefined,
  )
  @Matches(/^\S+$/, {
    message: 'CX_OIDC_AUDIENCE is required with CX_OIDC_ISSUER and CX_OIDC_JWKS_URL',
  })
  CX_OIDC_AUDIENCE?: string;

  @ValidateIf(
    (c: AccessConfig) =>
      c.CX_OIDC_ISSUER !== undefined ||
      c.CX_OIDC_AUDIENCE !== undefined ||
      c.CX_OIDC_JWKS_URL !== undefined,
  )
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    {
      message:
        'CX_OIDC_JWKS_URL must be an http(s) URL, required with CX_OIDC_ISSUER and CX_OIDC_AUDIENCE',
    },
  )
  CX_OIDC_JWKS_URL?: string;

  /** Origins (`https://app.example.com`, comma-separated) whose browser scripts may call the API. */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s,]+(,\s*https?:\/\/[^\s,]+)*$/, {
    message: 'CX_CORS_ORIGINS must be a comma-separated list of http(s) origins',
  })
  CX_CORS_ORIGINS?: string;

  /**
   * The base URL clients reach this service at (`https://api.example.com/ingestion`), named as
   * `servers` in its OpenAPI document; unset: the address it listens on.
   */
  @IsOptional()
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'CX_PUBLIC_URL must be an http(s) URL' },
  )
  CX_PUBLIC_URL?: string;

  /** Sustained requests per second per credential, in each service instance. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  CX_RATE_LIMIT_PER_SECOND = 5000;

  /** Requests a credential may send at once after a quiet spell. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  CX_RATE_LIMIT_BURST = 10000;

  /** Refused credentials per minute per client address before it gets 429 for a while. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  CX_AUTH_FAILURES_PER_MINUTE = 30;

  /** How long an accepted key is trusted without asking the database (revocation delay). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(60_000)
  CX_AUTH_CACHE_MS = 1000;
}
