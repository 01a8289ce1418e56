import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  DeadLetterStore,
  EventStore,
  InboundIntake,
  PersonalDataCipher,
  type InboundMessage,
} from '@cx/event-store';
import {
  createScratchDatabase,
  type ScratchDatabase,
} from '../../../test/support/scratch-database';

const run = promisify(execFile);
const CLI = join(__dirname, '..', '..', '..', 'dist', 'apps', 'cli', 'src', 'main.js');
const TOPIC = 'cx.touchpoints.inbound.v1';

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function body(touchpointId: string, customerId: string, extra: Record<string, unknown> = {}) {
  return {
    touchpointId,
    customerId,
    occurredAt: '2025-06-01T12:00:00.000Z',
    channel: 'chat',
    interaction: 'survey_response',
    survey: { csat: 5 },
    text: 'thanks for the quick answer',
    ...extra,
  };
}

function inbound(offset: number, value: Buffer | string, key: string | null): InboundMessage {
  return {
    offset: String(offset),
    key: key === null ? null : Buffer.from(key),
    value: Buffer.isBuffer(value) ? value : Buffer.from(value),
    headers: { 'x-origin': 'crm' },
  };
}

describe('cx deadletters (built command line, real Postgres)', () => {
  let db: ScratchDatabase;
  let store: EventStore;
  const ids: Record<string, string> = {};

  const cx = async (...args: string[]): Promise<Outcome> => {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, 'deadletters', ...args], {
        env: { ...process.env, DATABASE_URL: db.url, CX_KEYSTORE_URL: db.keystoreUrl },
        maxBuffer: 16 * 1024 * 1024,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  };
  const lines = (text: string): string[] => text.trim().split('\n').filter(Boolean);

  beforeAll(async () => {
    db = await createScratchDatabase('cx_cli_deadletters');
    // The key the command line uses too: CX_MASTER_KEY of the environment, or the development one.
    store = new EventStore(db.pool, new PersonalDataCipher(db.keyPool));
    const intake = new InboundIntake(
      db.pool,
      store,
      new DeadLetterStore(db.pool, store),
      'cli-test',
    );
    await store.markErased('cli-erased', 'test');
    // Received an hour ago, by a clock the producer's ran ahead of: occurredAt (now) was then
    // too far in the future. It is a valid touchpoint by now.
    const ahead = JSON.stringify(
      body('cli-tp-ahead', 'cli-ahead', { occurredAt: new Date().toISOString() }),
    );
    await intake.applyPartitionBatch(
      TOPIC,
      0,
      [
        inbound(0, ahead, 'cli-ahead'),
        inbound(1, JSON.stringify(body('cli-tp-types', 'cli-other', { channel: 42 })), 'cli-other'),
        inbound(2, Buffer.alloc(1024 * 1024 + 10, 0x20), 'cli-other'),
        inbound(3, JSON.stringify(body('cli-tp-ok', 'cli-other')), 'cli-other'),
        inbound(4, JSON.stringify(body('cli-tp-erased', 'cli-erased')), 'cli-erased'),
      ],
      { now: new Date(Date.now() - 3_600_000) },
    );
    const { rows: codes } = await db.pool.query<{
      id: string;
      code: string;
      source_offset: string;
    }>('SELECT id, code, source_offset FROM dead_letters ORDER BY id');
    for (const row of codes) ids[row.source_offset === '0' ? 'ahead' : row.code] = row.id;
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('lists the newest first, as text or JSON lines, filtered by code', async () => {
    const text = await cx('list');
    expect(text.code).toBe(0);
    expect(lines(text.stdout).map((l) => l.split('\t')[2])).toEqual([
      'customer_erased',
      'payload_too_large',
      'invalid_touchpoint',
      'invalid_touchpoint',
    ]);
    expect(text.stdout).toContain(`${TOPIC}[0]@1\tkey=cli-other\tinvalid touchpoint: channel`);
    expect(text.stderr).toContain('4 dead letter(s), newest first');

    const json = await cx('list', '--code', 'customer_erased', '--json');
    const listed = lines(json.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(listed).toEqual([
      expect.objectContaining({
        id: ids.customer_erased,
        code: 'customer_erased',
        key: 'cli-erased',
        touchpointId: 'cli-tp-erased',
        headers: { 'x-origin': 'crm' },
        source: { topic: TOPIC, partition: 0, offset: '4' },
        valueKept: false,
        replayedAt: null,
      }),
    ]);
    expect(await cx('list', '--limit', '1')).toMatchObject({
      stdout: expect.stringMatching(/^\d+\t\S+\tcustomer_erased\t/) as unknown,
    });
  });

  it('replays a dead letter that is valid by now: stored once, marked, then a no-op', async () => {
    const replayed = await cx('replay', '--id', ids.ahead ?? '', '--json');
    expect(replayed.code).toBe(0);
    const [outcome] = lines(replayed.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(outcome).toMatchObject({
      id: ids.ahead,
      outcome: 'replayed',
      touchpointId: 'cli-tp-ahead',
      position: expect.any(Number) as unknown,
    });
    const stored = await db.pool.query('SELECT 1 FROM touchpoint_events WHERE touchpoint_id = $1', [
      'cli-tp-ahead',
    ]);
    expect(stored.rowCount).toBe(1);

    const again = await cx('replay', '--id', ids.ahead ?? '');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`${ids.ahead}: already replayed at`);
    expect(again.stdout).toContain('nothing done');
    expect(stored.rowCount).toBe(1);

    const listed = await cx('list', '--code', 'invalid_touchpoint');
    expect(listed.stdout).toMatch(/\[replayed \S+, position \d+\]/);
  });

  it('replays --all: reports what is still invalid and what cannot be replayed, stores nothing', async () => {
    const count = async (): Promise<number> => {
      const { rows } = await db.pool.query<{ n: string }>(
        'SELECT count(*) AS n FROM touchpoint_events',
      );
      return Number(rows[0]?.n);
    };
    const before = await count();
    // Readmitted: the erased customer's message is still not replayable, its value was not kept.
    expect(await store.readmit('cli-erased', 'test')).toBe(true);
    const all = await cx('replay', '--all');
    expect(all.code).toBe(1);
    expect(lines(all.stdout)).toEqual([
      expect.stringMatching(
        new RegExp(`^${ids.invalid_touchpoint}: still refused, invalid_touchpoint: .*channel`),
      ),
      expect.stringMatching(
        new RegExp(`^${ids.payload_too_large}: cannot be replayed: .*not kept`),
      ),
      expect.stringMatching(new RegExp(`^${ids.customer_erased}: cannot be replayed: .*erased`)),
    ]);
    expect(all.stderr).toContain('0 of 3 dead letter(s) stored by this replay');
    expect(await count()).toBe(before);
    const listed = await cx('list', '--code', 'invalid_touchpoint', '--json');
    const refused = lines(listed.stdout)
      .map((l) => JSON.parse(l) as { id: string; lastReplay: unknown })
      .find((l) => l.id === ids.invalid_touchpoint);
    expect(refused?.lastReplay).toMatchObject({ code: 'invalid_touchpoint' });
  });

  it('refuses bad arguments with the usage', async () => {
    const bad = await cx('replay');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('deadletters replay needs --id ID … or --all');
    expect(bad.stderr).toContain('cx deadletters list [--limit N]');
  });
});
