import type { ApiKeyRecord, ApiKeyStore } from '@cx/event-store';
import { CredentialException } from '../errors/app.exception';
import { Authenticator } from './authenticator';

const KEY = `cxk_0123456789abcdef_${'A'.repeat(43)}`;

function record(overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    keyId: '0123456789abcdef',
    name: 'crm',
    scopes: ['customers:read', 'not-a-scope'],
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    rotatedFrom: null,
    ...overrides,
  };
}

/** The key store's two calls the authenticator makes, answered from memory. */
class KeysInMemory {
  current: ApiKeyRecord | null = record();
  lookups = 0;
  uses: string[] = [];
  find(value: string): Promise<ApiKeyRecord | null> {
    this.lookups += 1;
    return Promise.resolve(value === KEY ? this.current : null);
  }
  recordUse(ids: readonly string[]): Promise<void> {
    this.uses.push(...ids);
    return Promise.resolve();
  }
}

describe('Authenticator', () => {
  let clock = Date.parse('2026-06-01T00:00:00.000Z');
  let keys: KeysInMemory;
  let authenticator: Authenticator;
  beforeEach(() => {
    keys = new KeysInMemory();
    authenticator = new Authenticator(keys as unknown as ApiKeyStore, null, 1000, () => clock);
  });

  const refusal = async (header: string | undefined): Promise<CredentialException> => {
    try {
      await authenticator.authenticate(header);
    } catch (error) {
      if (error instanceof CredentialException) return error;
      throw error;
    }
    throw new Error('accepted');
  };

  it('accepts a key in a Bearer header, with its known scopes only, and records its use', async () => {
    const principal = await authenticator.authenticate(`bearer   ${KEY}  `);
    expect(principal).toMatchObject({ kind: 'api_key', id: 'key:0123456789abcdef', name: 'crm' });
    expect([...principal.scopes]).toEqual(['customers:read']);
    expect(keys.uses).toEqual(['0123456789abcdef']);
  });

  it.each([
    [undefined, undefined, 'a credential is required'],
    ['Basic dXNlcg==', 'invalid_request', 'must be: Bearer'],
    ['Bearer', 'invalid_request', 'must be: Bearer'],
    ['Bearer a b', 'invalid_request', 'must be: Bearer'],
    ['Bearer opaque-token', 'invalid_token', 'unknown credential'],
    [`Bearer ${KEY.slice(0, -1)}B`, 'invalid_token', 'unknown API key'],
  ])('refuses %s with 401 (%s)', async (header, problem, message) => {
    const error = await refusal(header);
    expect(error.problem).toBe(problem);
    expect(error.message).toContain(message);
  });

  it('refuses a revoked or expired key, saying which', async () => {
    keys.current = record({ revokedAt: '2026-05-01T00:00:00.000Z' });
    expect((await refusal(`Bearer ${KEY}`)).message).toBe('API key revoked');
    keys.current = record({ expiresAt: '2026-06-01T00:00:00.000Z' });
    expect((await refusal(`Bearer ${KEY}`)).message).toBe('API key expired');
  });

  it('trusts an accepted key for the cache interval, and not beyond it or its expiry', async () => {
    keys.current = record({ expiresAt: '2026-06-01T00:00:01.500Z' });
    await authenticator.authenticate(`Bearer ${KEY}`);
    await authenticator.authenticate(`Bearer ${KEY}`);
    expect(keys.lookups).toBe(1);
    clock += 1000;
    await authenticator.authenticate(`Bearer ${KEY}`);
    expect(keys.lookups).toBe(2);
    clock += 600;
    expect((await refusal(`Bearer ${KEY}`)).message).toBe('API key expired');
  });

  it('forgets a key revoked in this process at once', async () => {
    await authenticator.authenticate(`Bearer ${KEY}`);
    keys.current = record({ revokedAt: '2026-06-01T00:00:00.000Z' });
    authenticator.forget('0123456789abcdef');
    expect((await refusal(`Bearer ${KEY}`)).message).toBe('API key revoked');
  });

  it('writes the last use at most once a minute', async () => {
    const fresh = new Authenticator(keys as unknown as ApiKeyStore, null, 0, () => clock);
    for (let i = 0; i < 5; i += 1) await fresh.authenticate(`Bearer ${KEY}`);
    clock += 61_000;
    await fresh.authenticate(`Bearer ${KEY}`);
    expect(keys.uses).toHaveLength(2);
  });
});
