import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import { ApiKeyStore } from '@cx/event-store';
import { migrateDatabase } from '@cx/read-models';
import { kafkaBrokers } from '../support/stack';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { startService, stopService, type RunningService } from '../projector/support/services';

jest.setTimeout(300_000);

/**
 * Every HTTP endpoint of the three services, as built and started for real, against every kind
 * of credential: API keys from the database, and access tokens of an OIDC issuer whose signing
 * keys a local JWKS endpoint serves.
 */
const RUN = `ac-${randomBytes(3).toString('hex')}`;
const CUSTOMER = `${RUN}-c1`;
const ISSUER = 'https://id.cx-journey.test';
const AUDIENCE = 'cx-journey';

type Service = 'ingestion' | 'query' | 'projector';
type Scope =
  | 'touchpoints:write'
  | 'customers:read'
  | 'personal:read'
  | 'analytics:read'
  | 'metrics:read'
  | 'admin';

interface Endpoint {
  readonly service: Service;
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Built per call: some requests need something of their own (a new id, a key to retire). */
  readonly request: () => Promise<{ path: string; body?: unknown }>;
  readonly scope: Scope;
  /** A valid scope that must still be refused (default: one far from `scope`). */
  readonly wrong?: Scope;
  readonly ok: number;
}

let sequence = 0;
const touchpoint = (): Record<string, unknown> => ({
  touchpointId: `${RUN}-tp-${(sequence += 1)}`,
  customerId: CUSTOMER,
  occurredAt: '2025-06-01T10:00:00Z',
  channel: 'chat',
  interaction: 'survey_response',
  survey: { nps: 9 },
  text: 'call me on 555-0100',
});

describe('access control on every endpoint (built services, real Postgres and Kafka)', () => {
  let db: ScratchDatabase;
  let keys: ApiKeyStore;
  let jwks: Server;
  let signingKey: KeyLike;
  let strangerKey: KeyLike;
  const services = new Map<Service, RunningService>();
  let limited: RunningService | undefined;

  /** A key of its own for requests that retire one (rotate, revoke). */
  const throwawayKeyId = async (): Promise<string> =>
    (await keys.issue({ name: 'throwaway', scopes: ['customers:read'] })).record.keyId;

  const ENDPOINTS: readonly Endpoint[] = [
    {
      service: 'ingestion',
      method: 'POST',
      request: () => Promise.resolve({ path: '/v1/touchpoints', body: touchpoint() }),
      scope: 'touchpoints:write',
      ok: 202,
    },
    {
      service: 'ingestion',
      method: 'POST',
      request: () =>
        Promise.resolve({ path: '/v1/touchpoints/batch', body: { touchpoints: [touchpoint()] } }),
      scope: 'touchpoints:write',
      ok: 202,
    },
    {
      service: 'ingestion',
      method: 'POST',
      request: () =>
        Promise.resolve({
          path: `/v1/customers/${CUSTOMER}/consents`,
          body: {
            consentId: `${RUN}-consent-${(sequence += 1)}`,
            purpose: 'analytics',
            status: 'granted',
            effectiveAt: '2025-01-01T00:00:00Z',
          },
        }),
      scope: 'touchpoints:write',
      ok: 202,
    },
    ...['', '/journey', '/emotion', '/loyalty', '/touchpoints', '/consents', '/value'].map(
      (sub): Endpoint => ({
        service: 'query',
        method: 'GET',
        request: () => Promise.resolve({ path: `/v1/customers/${CUSTOMER}${sub}` }),
        scope: 'customers:read',
        ok: 200,
      }),
    ),
    {
      service: 'query',
      method: 'GET',
      request: () => Promise.resolve({ path: '/v1/customers' }),
      scope: 'customers:read',
      ok: 200,
    },
    ...[
      '/v1/metrics?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      '/v1/complaints?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      '/v1/revenue?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      '/v1/churn?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      '/v1/funnel?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      '/v1/moments-of-truth?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      '/v1/perception-gap',
    ].map((path): Endpoint => ({
      service: 'query',
      method: 'GET',
      request: () => Promise.resolve({ path }),
      scope: 'analytics:read',
      // Reading customers one by one does not open the organisation's figures.
      wrong: 'customers:read',
      ok: 200,
    })),
    {
      service: 'query',
      method: 'GET',
      request: () => Promise.resolve({ path: '/v1/admin/keys' }),
      scope: 'admin',
      ok: 200,
    },
    {
      service: 'query',
      method: 'POST',
      request: () =>
        Promise.resolve({ path: '/v1/admin/keys', body: { name: 'n', scopes: ['admin'] } }),
      scope: 'admin',
      ok: 201,
    },
    {
      service: 'query',
      method: 'POST',
      request: async () => ({ path: `/v1/admin/keys/${await throwawayKeyId()}/rotate` }),
      scope: 'admin',
      ok: 201,
    },
    {
      service: 'query',
      method: 'DELETE',
      request: async () => ({ path: `/v1/admin/keys/${await throwawayKeyId()}` }),
      scope: 'admin',
      ok: 200,
    },
    {
      service: 'query',
      method: 'GET',
      request: () => Promise.resolve({ path: '/v1/admin/audit' }),
      scope: 'admin',
      ok: 200,
    },
    {
      service: 'query',
      method: 'GET',
      request: () => Promise.resolve({ path: `/v1/customers/${CUSTOMER}/export` }),
      scope: 'personal:read',
      wrong: 'customers:read',
      ok: 200,
    },
    {
      service: 'query',
      method: 'DELETE',
      request: () => Promise.resolve({ path: `/v1/customers/${RUN}-erase-${(sequence += 1)}` }),
      scope: 'admin',
      ok: 201,
    },
    {
      service: 'query',
      method: 'POST',
      request: async () => {
        const customer = `${RUN}-readmit-${(sequence += 1)}`;
        const erased = await fetch(`${services.get('query')?.url ?? ''}/v1/customers/${customer}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${await key(['admin'])}` },
        });
        expect(erased.status).toBe(201);
        return { path: `/v1/customers/${customer}/readmission` };
      },
      scope: 'admin',
      ok: 200,
    },
    ...(['ingestion', 'query', 'projector'] as const).map((service): Endpoint => ({
      service,
      method: 'GET',
      request: () => Promise.resolve({ path: '/metrics' }),
      scope: 'metrics:read',
      ok: 200,
    })),
    {
      service: 'projector',
      method: 'GET',
      request: () => Promise.resolve({ path: '/lag' }),
      scope: 'metrics:read',
      ok: 200,
    },
  ];

  /** Any scope but the one named: a valid credential that must still be refused. */
  const otherThan = (scope: Scope): Scope => (scope === 'admin' ? 'customers:read' : 'admin');

  const key = async (scopes: Scope[], options: { expired?: boolean } = {}): Promise<string> =>
    (
      await keys.issue({
        name: `${RUN} ${scopes.join(' ')}`,
        scopes,
        ...(options.expired === true ? { expiresAt: new Date(Date.now() - 60_000) } : {}),
      })
    ).key;

  const token = (
    scopes: Scope[],
    options: { expired?: boolean; signer?: KeyLike } = {},
  ): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ scope: scopes.join(' ') })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('crm-integration')
      .setIssuedAt(now - 3600)
      .setExpirationTime(options.expired === true ? now - 120 : now + 600)
      .sign(options.signer ?? signingKey);
  };

  const call = async (
    endpoint: Endpoint,
    authorization: string | null,
    target = services.get(endpoint.service),
  ): Promise<Response> => {
    if (target === undefined) throw new Error(`${endpoint.service} is not running`);
    const { path, body } = await endpoint.request();
    return fetch(`${target.url}${path}`, {
      method: endpoint.method,
      headers: {
        ...(authorization === null ? {} : { authorization }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  };

  beforeAll(async () => {
    db = await createScratchDatabase('cx_ac');
    await migrateDatabase(db.url);
    keys = new ApiKeyStore(db.pool);
    const pair = await generateKeyPair('RS256');
    signingKey = pair.privateKey;
    strangerKey = (await generateKeyPair('RS256')).privateKey;
    const publicJwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'test-key', alg: 'RS256' };
    jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [publicJwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers(),
      PROJECTOR_GROUP: `projector.${RUN}`,
      CX_AUTH: 'on',
      CX_OIDC_ISSUER: ISSUER,
      CX_OIDC_AUDIENCE: AUDIENCE,
      CX_OIDC_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`,
      // The matrix sends many refused credentials on purpose, from one address.
      CX_AUTH_FAILURES_PER_MINUTE: '100000',
    };
    const started = await Promise.all(
      (['ingestion', 'query', 'projector'] as const).map((name) => startService(name, env, name)),
    );
    started.forEach((service, i) =>
      services.set((['ingestion', 'query', 'projector'] as const)[i] as Service, service),
    );
    limited = await startService(
      'query',
      {
        ...env,
        CX_RATE_LIMIT_PER_SECOND: '2',
        CX_RATE_LIMIT_BURST: '3',
        CX_AUTH_FAILURES_PER_MINUTE: '4',
        CX_CORS_ORIGINS: 'https://app.cx-journey.test',
      },
      'query (rate-limited)',
    );
    // The customer every read endpoint asks for, visible once the projector applied it.
    const writer = await key(['touchpoints:write']);
    const seeded = await call(ENDPOINTS[0] as Endpoint, `Bearer ${writer}`);
    expect(seeded.status).toBe(202);
    const { position } = (await seeded.json()) as { position: number };
    const reader = await key(['customers:read']);
    const read = await fetch(
      `${services.get('query')?.url ?? ''}/v1/customers/${CUSTOMER}?minPosition=${position}&waitMs=30000`,
      { headers: { authorization: `Bearer ${reader}` } },
    );
    expect(read.status).toBe(200);
  });

  afterAll(async () => {
    for (const service of [...services.values(), limited]) {
      if (service) await stopService(service, 'SIGKILL');
    }
    await new Promise<void>((resolve) => (jwks ? jwks.close(() => resolve()) : resolve()));
    await db?.drop();
  });

  interface Credential {
    readonly name: string;
    readonly header: (endpoint: Endpoint) => Promise<string | null>;
    readonly expect: (endpoint: Endpoint) => number;
  }

  const CREDENTIALS: readonly Credential[] = [
    { name: 'no credential', header: () => Promise.resolve(null), expect: () => 401 },
    {
      name: 'an unknown API key',
      header: () =>
        Promise.resolve(
          `Bearer cxk_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}`,
        ),
      expect: () => 401,
    },
    {
      name: 'a revoked API key',
      header: async (e) => {
        const issued = await keys.issue({ name: 'revoked', scopes: [e.scope] });
        await keys.revoke(issued.record.keyId);
        return `Bearer ${issued.key}`;
      },
      expect: () => 401,
    },
    {
      name: 'an expired API key',
      header: async (e) => `Bearer ${await key([e.scope], { expired: true })}`,
      expect: () => 401,
    },
    {
      name: 'an API key without the scope',
      header: async (e) => `Bearer ${await key([e.wrong ?? otherThan(e.scope)])}`,
      expect: () => 403,
    },
    {
      name: 'an API key with the scope',
      header: async (e) => `Bearer ${await key([e.scope])}`,
      expect: (e) => e.ok,
    },
    {
      name: 'an expired token',
      header: async (e) => `Bearer ${await token([e.scope], { expired: true })}`,
      expect: () => 401,
    },
    {
      name: 'a token signed by a key the issuer does not publish',
      header: async (e) => `Bearer ${await token([e.scope], { signer: strangerKey })}`,
      expect: () => 401,
    },
    {
      name: 'a token without the scope',
      header: async (e) => `Bearer ${await token([e.wrong ?? otherThan(e.scope)])}`,
      expect: () => 403,
    },
    {
      name: 'a token with the scope',
      header: async (e) => `Bearer ${await token([e.scope])}`,
      expect: (e) => e.ok,
    },
  ];

  it('answers every endpoint × credential as expected, with a Bearer challenge on every refusal', async () => {
    const wrong: string[] = [];
    let cases = 0;
    for (const endpoint of ENDPOINTS) {
      const label = `${endpoint.method} ${(await endpoint.request()).path.replace(RUN, '…')}`;
      for (const credential of CREDENTIALS) {
        cases += 1;
        const response = await call(endpoint, await credential.header(endpoint));
        const expected = credential.expect(endpoint);
        const text = await response.text();
        if (response.status !== expected) {
          wrong.push(
            `${label} with ${credential.name}: ${response.status}, not ${expected}: ${text}`,
          );
          continue;
        }
        if (expected === 401 || expected === 403) {
          const challenge = response.headers.get('www-authenticate') ?? '';
          const body = JSON.parse(text) as { error: string };
          const error = expected === 401 ? 'unauthenticated' : 'forbidden';
          if (!challenge.startsWith('Bearer realm="cx-journey"') || body.error !== error) {
            wrong.push(`${label} with ${credential.name}: challenge "${challenge}", body ${text}`);
          }
          if (expected === 403 && !challenge.includes(endpoint.scope)) {
            wrong.push(`${label} with ${credential.name}: 403 does not name ${endpoint.scope}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(cases).toBe(ENDPOINTS.length * CREDENTIALS.length);
  });

  it('sends no CORS header unless the origin is on the configured allow-list', async () => {
    const preflight = (url: string, origin: string): Promise<Response> =>
      fetch(`${url}/v1/customers/${CUSTOMER}`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'GET',
          'access-control-request-headers': 'authorization',
        },
      });
    const off = await preflight(services.get('query')?.url ?? '', 'https://app.cx-journey.test');
    expect(off.headers.get('access-control-allow-origin')).toBeNull();
    const listed = await preflight(limited?.url ?? '', 'https://app.cx-journey.test');
    expect(listed.headers.get('access-control-allow-origin')).toBe('https://app.cx-journey.test');
    expect(listed.headers.get('access-control-allow-headers')).toContain('authorization');
    const other = await preflight(limited?.url ?? '', 'https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const plain = await fetch(`${services.get('query')?.url ?? ''}/health/live`);
    expect(plain.headers.get('x-powered-by')).toBeNull();
  });

  it('serves without a credential only when CX_AUTH=off says so, and then says it loudly', async () => {
    const open = await startService(
      'query',
      {
        DATABASE_URL: db.url,
        KAFKA_BROKERS: kafkaBrokers(),
        CX_AUTH: 'off',
      },
      'query (CX_AUTH=off)',
    );
    try {
      expect((await fetch(`${open.url}/v1/customers/${CUSTOMER}`)).status).toBe(200);
      expect(open.output()).toMatch(/CX_AUTH=off: query serves EVERY request WITHOUT a credential/);
      expect(services.get('query')?.output()).not.toContain('CX_AUTH=off');
    } finally {
      await stopService(open);
    }
  });

  it('serves health without a credential on every service', async () => {
    for (const service of services.values()) {
      expect((await fetch(`${service.url}/health/live`)).status).toBe(200);
      expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
    }
  });

  it('decrypts personal fields for personal:read only, for keys and tokens alike', async () => {
    const query = services.get('query')?.url ?? '';
    const timeline = async (authorization: string): Promise<string> =>
      (
        await fetch(`${query}/v1/customers/${CUSTOMER}/touchpoints`, {
          headers: { authorization },
        })
      ).text();
    for (const reader of [
      `Bearer ${await key(['customers:read'])}`,
      `Bearer ${await token(['customers:read'])}`,
    ]) {
      const text = await timeline(reader);
      expect(text).toContain('"personalData":"withheld"');
      expect(text).not.toContain('555-0100');
    }
    for (const reader of [
      `Bearer ${await key(['customers:read', 'personal:read'])}`,
      `Bearer ${await token(['customers:read', 'personal:read'])}`,
    ]) {
      expect(await timeline(reader)).toContain('555-0100');
    }
  });

  it('audits reads of personal data and admin actions: who, what, when', async () => {
    const query = services.get('query')?.url ?? '';
    const reader = await keys.issue({ name: 'reader', scopes: ['customers:read'] });
    const officer = await keys.issue({
      name: 'officer',
      scopes: ['customers:read', 'personal:read'],
    });
    for (const issued of [reader, officer]) {
      const read = await fetch(`${query}/v1/customers/${CUSTOMER}/touchpoints`, {
        headers: { authorization: `Bearer ${issued.key}` },
      });
      expect(read.status).toBe(200);
    }
    const admin = await key(['admin']);
    const audit = async (
      filter: string,
    ): Promise<{ actorId: string; action: string; status: number }[]> => {
      const response = await fetch(`${query}/v1/admin/audit?${filter}`, {
        headers: { authorization: `Bearer ${admin}` },
      });
      expect(response.status).toBe(200);
      return (
        (await response.json()) as { items: { actorId: string; action: string; status: number }[] }
      ).items;
    };
    // The reader saw sealed fields only: nothing personal was read, nothing to audit.
    expect(await audit(`actorId=key:${reader.record.keyId}`)).toEqual([]);
    expect(await audit(`actorId=key:${officer.record.keyId}`)).toEqual([
      expect.objectContaining({
        action: 'personal.read',
        customerId: CUSTOMER,
        actorName: 'officer',
        method: 'GET',
        path: `/v1/customers/${CUSTOMER}/touchpoints`,
        status: 200,
      }),
    ]);
    const actions = new Set((await audit('limit=200')).map((e) => e.action));
    for (const action of [
      'keys.create',
      'keys.rotate',
      'keys.revoke',
      'keys.list',
      'customer.erase',
      'customer.readmit',
      'customer.export',
    ]) {
      expect(actions).toContain(action);
    }
    const invalid = await fetch(`${query}/v1/admin/audit?limit=0`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(invalid.status).toBe(400);
  });

  it('answers 429 with Retry-After over the rate of a credential, and serves again after it', async () => {
    const url = `${limited?.url ?? ''}/v1/customers/${CUSTOMER}`;
    const headers = { authorization: `Bearer ${await key(['customers:read'])}` };
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i += 1) {
      const response = await fetch(url, { headers });
      statuses.push(response.status);
      if (response.status === 429) {
        retryAfter = response.headers.get('retry-after');
        expect(await response.json()).toMatchObject({ error: 'too_many_requests' });
      }
    }
    // A burst of 3, then refusals: at 2/s no token comes back within the loop's few ms.
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(statuses.slice(3)).toContain(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    await new Promise((resolve) => setTimeout(resolve, Number(retryAfter) * 1000));
    expect((await fetch(url, { headers })).status).toBe(200);
    // Another credential is not held back by the first one's rate.
    const other = { authorization: `Bearer ${await key(['customers:read'])}` };
    expect((await fetch(url, { headers: other })).status).toBe(200);
  });

  it('answers 429 with Retry-After to an address that keeps sending bad credentials', async () => {
    const url = `${limited?.url ?? ''}/v1/customers/${CUSTOMER}`;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i += 1) {
      const response = await fetch(url, {
        headers: { authorization: 'Bearer guess-' + String(i) },
      });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    expect(statuses.slice(0, 4)).toEqual([401, 401, 401, 401]);
    expect(statuses.slice(4)).toEqual([429, 429]);
    // At 4 a minute, the next refused credential is allowed 15 s later.
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(15);
  });
});
