/** What a credential may do. A route names the one scope it needs. */
export const SCOPES = [
  'touchpoints:write',
  'customers:read',
  'personal:read',
  'analytics:read',
  'metrics:read',
  'admin',
] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Who is calling, once authenticated. */
export interface Principal {
  readonly kind: 'api_key' | 'jwt' | 'anonymous';
  /** Stable id for audit and rate limits: `key:<keyId>`, `jwt:<iss>#<sub>`, or `anonymous`. */
  readonly id: string;
  /** Human-readable: the key's name, the token's subject. */
  readonly name: string;
  readonly scopes: ReadonlySet<Scope>;
}
