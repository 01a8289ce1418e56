import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApiKeyStore, AuditLog } from '@cx/event-store';
import {
  createScratchDatabase,
  type ScratchDatabase,
} from '../../../test/support/scratch-database';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', '..', 'dist', 'apps', 'cli', 'src', 'main.js');

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

describe('cx keys (built command line, real Postgres)', () => {
  let db: ScratchDatabase;

  const cx = async (...args: string[]): Promise<Outcome> => {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, 'keys', ...args], {
        env: { ...process.env, DATABASE_URL: db.url },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };
  const lastLine = (text: string): string => text.trim().split('\n').pop() ?? '';

  beforeAll(async () => {
    db = await createScratchDatabase('cx_cli_keys');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('creates a key, printed alone on the last line, that the store recognises with its scopes', async () => {
    const created = await cx(
      'create',
      '--name',
      'crm sync',
      '--scopes',
      'customers:read,personal:read',
    );
    expect(created.code).toBe(0);
    const key = lastLine(created.stdout);
    expect(key).toMatch(/^cxk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const record = await new ApiKeyStore(db.pool).find(key);
    expect(record).toMatchObject({ name: 'crm sync', scopes: ['customers:read', 'personal:read'] });
    const stored = await db.pool.query<{ secret_hash: Buffer }>('SELECT secret_hash FROM api_keys');
    for (const row of stored.rows)
      expect(row.secret_hash.toString('utf8')).not.toContain(key.slice(21));
  });

  it('lists, rotates and revokes, and each of these is audited', async () => {
    const key = lastLine((await cx('create', '--name', 'to-rotate', '--scopes', 'admin')).stdout);
    const keyId = key.slice(4, 20);
    expect((await cx('list')).stdout).toMatch(new RegExp(`${keyId}\\tactive\\tto-rotate\\tadmin`));
    const rotated = await cx('rotate', keyId);
    expect(rotated.code).toBe(0);
    const successor = lastLine(rotated.stdout);
    expect(successor).toMatch(/^cxk_/);
    expect(successor).not.toBe(key);
    expect((await cx('list')).stdout).toMatch(new RegExp(`${keyId}\\texpired`));
    const successorId = successor.slice(4, 20);
    expect((await cx('revoke', successorId)).code).toBe(0);
    expect((await cx('list')).stdout).toMatch(new RegExp(`${successorId}\\trevoked`));
    expect((await cx('revoke', '0123456789abcdef')).code).toBe(1);
    const actions = (await new AuditLog(db.pool).list({ limit: 50 })).map(
      (e) => `${e.method} ${e.action}`,
    );
    expect(actions).toEqual(
      expect.arrayContaining([
        'CLI keys.create',
        'CLI keys.list',
        'CLI keys.rotate',
        'CLI keys.revoke',
      ]),
    );
  });

  it('refuses an unknown scope or a missing name with exit status 2 and the reason, creating nothing', async () => {
    const before = (await new ApiKeyStore(db.pool).list()).length;
    const unknown = await cx('create', '--name', 'x', '--scopes', 'customers:read,everything');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown scope everything');
    const unnamed = await cx('create', '--scopes', 'admin');
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain('needs --name');
    expect((await new ApiKeyStore(db.pool).list()).length).toBe(before);
  });
});
