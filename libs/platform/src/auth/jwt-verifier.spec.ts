import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  exportJWK,
  generateKeyPair,
  SignJWT,
  UnsecuredJWT,
  type JWK,
  type JWTPayload,
  type KeyLike,
} from 'jose';
import { CredentialRejected, IdentityProviderUnavailable, JwtVerifier } from './jwt-verifier';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'cx-api';

let server: Server;
let baseUrl: string;
let signingKey: KeyLike;
let rotatedKey: KeyLike;
let strangerKey: KeyLike;
let verifier: JwtVerifier;

async function publicJwk(key: KeyLike, kid?: string): Promise<JWK> {
  return { ...(await exportJWK(key)), alg: 'RS256', use: 'sig', ...(kid ? { kid } : {}) };
}

async function rsaPair(): Promise<{ privateKey: KeyLike; publicKey: KeyLike }> {
  return generateKeyPair('RS256', { extractable: true });
}

function verifierFor(path: string): JwtVerifier {
  return new JwtVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUrl: `${baseUrl}${path}` });
}

interface TokenOptions {
  readonly key?: KeyLike;
  readonly kid?: string | null;
  readonly claims?: JWTPayload;
  readonly issuer?: string;
  readonly audience?: string;
  readonly subject?: string | null;
  readonly expiresAt?: number | null;
}

function nowS(): number {
  return Math.floor(Date.now() / 1000);
}

async function token(options: TokenOptions = {}): Promise<string> {
  const kid = options.kid === undefined ? 'k1' : options.kid;
  const jwt = new SignJWT(options.claims ?? { scope: 'customers:read' })
    .setProtectedHeader({ alg: 'RS256', ...(kid === null ? {} : { kid }) })
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setIssuedAt();
  if (options.subject !== null) jwt.setSubject(options.subject ?? 'user-42');
  if (options.expiresAt !== null) jwt.setExpirationTime(options.expiresAt ?? nowS() + 300);
  return jwt.sign(options.key ?? signingKey);
}

async function rejection(value: string, by: JwtVerifier = verifier): Promise<CredentialRejected> {
  const error = await by.verify(value).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CredentialRejected);
  return error as CredentialRejected;
}

async function rejectionMessage(value: string, by?: JwtVerifier): Promise<string> {
  const error = await rejection(value, by);
  expect(error.reason).toBe('invalid_token');
  return error.message;
}

beforeAll(async () => {
  const signing = await rsaPair();
  const rotated = await rsaPair();
  const stranger = await rsaPair();
  signingKey = signing.privateKey;
  rotatedKey = rotated.privateKey;
  strangerKey = stranger.privateKey;
  const sets: Record<string, { keys: JWK[] }> = {
    '/jwks': { keys: [await publicJwk(signing.publicKey, 'k1')] },
    // Two keys without kid, as an issuer mid-rotation may publish.
    '/rotating': { keys: [await publicJwk(signing.publicKey), await publicJwk(rotated.publicKey)] },
  };
  server = createServer((req, res) => {
    const body = sets[req.url ?? ''];
    if (body === undefined) {
      res.writeHead(500).end('boom');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  verifier = verifierFor('/jwks');
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('JwtVerifier.verify', () => {
  it('accepts a valid token and keeps only the scopes it knows', async () => {
    const principal = await verifier.verify(
      await token({ claims: { scope: 'customers:read metrics:read launch:missiles' } }),
    );
    expect(principal).toEqual({
      kind: 'jwt',
      id: `jwt:${ISSUER}#user-42`,
      name: 'user-42',
      scopes: new Set(['customers:read', 'metrics:read']),
    });
  });

  it('reads scopes from an `scp` claim, as an array or a string', async () => {
    const asArray = await verifier.verify(
      await token({ claims: { scp: ['admin', 42, 'personal:read', 'nope'] } }),
    );
    expect(asArray.scopes).toEqual(new Set(['admin', 'personal:read']));
    const asString = await verifier.verify(await token({ claims: { scp: 'touchpoints:write' } }));
    expect(asString.scopes).toEqual(new Set(['touchpoints:write']));
  });

  it('grants no scope when the token names none', async () => {
    const principal = await verifier.verify(await token({ claims: {} }));
    expect(principal.scopes.size).toBe(0);
  });

  it('rejects an expired token, but tolerates 30 s of clock skew', async () => {
    expect(await rejectionMessage(await token({ expiresAt: nowS() - 120 }))).toBe('token expired');
    await expect(verifier.verify(await token({ expiresAt: nowS() - 10 }))).resolves.toBeDefined();
  });

  it('rejects a token that is not valid yet', async () => {
    const early = await token({ claims: { nbf: nowS() + 120 } });
    expect(await rejectionMessage(early)).toBe('token not yet valid');
  });

  it('rejects a token without expiry', async () => {
    expect(await rejectionMessage(await token({ expiresAt: null }))).toBe('token has no expiry');
  });

  it('rejects a token from another issuer', async () => {
    const foreign = await token({ issuer: 'https://evil.example.test/' });
    expect(await rejectionMessage(foreign)).toBe('token issuer not accepted');
  });

  it('rejects a token for another audience', async () => {
    const elsewhere = await token({ audience: 'other-api' });
    expect(await rejectionMessage(elsewhere)).toBe('token audience not accepted');
  });

  it('rejects a token signed by a key that is not in the JWKS', async () => {
    const forgedKid = await token({ key: strangerKey, kid: 'k1' });
    expect(await rejectionMessage(forgedKid)).toBe('token signature invalid');
    const unknownKid = await token({ key: strangerKey, kid: 'k9' });
    expect(await rejectionMessage(unknownKid)).toBe('token signing key unknown');
  });

  it("rejects alg 'none' and HS256 tokens", async () => {
    const unsigned = new UnsecuredJWT({ sub: 'user-42' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .encode();
    expect(await rejectionMessage(unsigned)).toBe('token algorithm not accepted');
    const hmac = await new SignJWT({ sub: 'user-42' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a shared secret of at least 32 bytes!'));
    expect(await rejectionMessage(hmac)).toBe('token algorithm not accepted');
  });

  it('rejects malformed strings', async () => {
    const headerNotJson = 'bm90IGpzb24.eyJzdWIiOiJ4In0.c2ln';
    for (const value of ['', 'not-a-token', 'a.b.c', 'eyJhbGciOiJSUzI1NiJ9.e30', headerNotJson]) {
      expect(await rejectionMessage(value)).toBe('malformed token');
    }
  });

  it('rejects a token without a subject', async () => {
    expect(await rejectionMessage(await token({ subject: null }))).toBe('token has no subject');
  });

  it('tries each key when a token has no kid and several keys match', async () => {
    const rotating = verifierFor('/rotating');
    const principal = await rotating.verify(await token({ key: rotatedKey, kid: null }));
    expect(principal.name).toBe('user-42');
    const forged = await token({ key: strangerKey, kid: null });
    expect(await rejectionMessage(forged, rotating)).toBe('token signature invalid');
  });

  it('reports an unreachable JWKS endpoint as the provider being unavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const offline = new JwtVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksUrl: `http://127.0.0.1:${port}/jwks`,
    });
    const error: unknown = await offline.verify(await token()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdentityProviderUnavailable);
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('reports a failing JWKS endpoint as the provider being unavailable', async () => {
    await expect(verifierFor('/broken').verify(await token())).rejects.toBeInstanceOf(
      IdentityProviderUnavailable,
    );
  });
});

describe('JwtVerifier.looksLikeJwt', () => {
  it.each(['eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln-_', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.'])(
    'recognises %s',
    (value) => {
      expect(JwtVerifier.looksLikeJwt(value)).toBe(true);
    },
  );

  it.each(['', 'cxk_abc_def', 'a.b', 'a.b.c.d', 'a..c', 'a.b+c.d', 'a.b.c ', 'a b.c.d'])(
    'does not recognise %j',
    (value) => {
      expect(JwtVerifier.looksLikeJwt(value)).toBe(false);
    },
  );
});
