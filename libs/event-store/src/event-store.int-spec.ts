import type { Touchpoint } from '@cx/domain';
import { createScratchDatabase, touchpoint, type ScratchDatabase } from '../test/scratch-database';
import { until } from '../../../test/support/eventually';
import { EventStore } from './event-store';
import { PersonalDataCipher } from './personal-data-cipher';

jest.setTimeout(120_000);

describe('EventStore (real Postgres)', () => {
  let db: ScratchDatabase;
  let cipher: PersonalDataCipher;
  let store: EventStore;

  beforeAll(async () => {
    db = await createScratchDatabase();
    cipher = new PersonalDataCipher(db.keyPool, {
      masterKey: Buffer.alloc(32, 7).toString('base64'),
    });
    store = new EventStore(db.pool, cipher);
  });

  afterAll(async () => {
    await db.drop();
  });

  async function countStored(ids: readonly string[]): Promise<number> {
    const { rows } = await db.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM touchpoint_events WHERE touchpoint_id = ANY($1::text[])',
      [ids],
    );
    return Number(rows[0]?.n);
  }

  it('accepts new touchpoints with ascending positions, in input order', async () => {
    const list = [touchpoint('c-order'), touchpoint('c-order'), touchpoint('c-other')];
    const results = await store.append(list);
    expect(results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(results.map((r) => r.touchpointId)).toEqual(list.map((t) => t.touchpointId));
    const positions = results.map((r) => r.position ?? 0);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(new Set(positions).size).toBe(3);
  });

  it('treats a retry as a duplicate with the stored position, and stores nothing new', async () => {
    const list = [touchpoint('c-retry'), touchpoint('c-retry')];
    const first = await store.append(list);
    const again = await store.append(list);
    expect(again).toEqual(first.map((r) => ({ ...r, status: 'duplicate' })));
    expect(await countStored(list.map((t) => t.touchpointId))).toBe(2);
  });

  it('reports a changed payload under a stored id as a conflict and does not apply it', async () => {
    const original = touchpoint('c-conflict', { sentiment: 0.2 });
    const [stored] = await store.append([original]);
    const [result] = await store.append([{ ...original, sentiment: -0.9 }]);
    expect(result).toEqual({
      touchpointId: original.touchpointId,
      status: 'conflict',
      position: stored?.position,
    });
    const [timeline] = await store.readCustomerTimeline('c-conflict', { limit: 10 });
    expect(timeline?.touchpoint.sentiment).toBe(0.2);
  });

  it('compares as data: key order and 1 vs 1.0 do not matter, personal fields do', async () => {
    const id = `tp-data-${Date.now()}`;
    const text = (body: string): Touchpoint => JSON.parse(body) as Touchpoint;
    const a = text(
      `{"touchpointId":"${id}","customerId":"c-data","occurredAt":"2025-01-01T00:00:00.000Z","channel":"web","category":"interactive","interaction":"purchase","value":{"amount":1.0,"currency":"EUR"},"text":"hi","attributes":{"a":1,"b":2}}`,
    );
    const b = text(
      `{"attributes":{"b":2,"a":1.00},"text":"hi","value":{"currency":"EUR","amount":1},"interaction":"purchase","category":"interactive","channel":"web","occurredAt":"2025-01-01T00:00:00.000Z","customerId":"c-data","touchpointId":"${id}"}`,
    );
    expect((await store.append([a]))[0]?.status).toBe('accepted');
    expect((await store.append([b]))[0]?.status).toBe('duplicate');
    expect((await store.append([{ ...a, text: 'bye' }]))[0]?.status).toBe('conflict');
    expect((await store.append([{ ...a, attributes: { a: 1 } }]))[0]?.status).toBe('conflict');
  });

  it('keeps the first of an id repeated within one call and compares the rest to it', async () => {
    const first = touchpoint('c-repeat', { sentiment: 0.1 });
    const results = await store.append([first, { ...first }, { ...first, sentiment: 0.3 }]);
    expect(results.map((r) => r.status)).toEqual(['accepted', 'duplicate', 'conflict']);
    expect(new Set(results.map((r) => r.position)).size).toBe(1);
    expect(await countStored([first.touchpointId])).toBe(1);
  });

  it('settles concurrent appends of the same new id as one accepted, the rest duplicate or conflict', async () => {
    for (let round = 0; round < 5; round += 1) {
      const contested = touchpoint('c-race');
      const variants = Array.from({ length: 8 }, (_, i) =>
        i % 2 === 0 ? contested : { ...contested, sentiment: -1 },
      );
      const results = (await Promise.all(variants.map((t) => store.append([t])))).flat();
      expect(results.filter((r) => r.status === 'accepted')).toHaveLength(1);
      expect(new Set(results.map((r) => r.position)).size).toBe(1);
      expect(await countStored([contested.touchpointId])).toBe(1);
    }
  });

  /** Sessions holding (granted) or waiting for the append position lock in this database. */
  async function positionLock(granted: boolean): Promise<number> {
    const { rows } = await db.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_locks
        WHERE locktype = 'advisory' AND objsubid = 1 AND objid = $1 AND granted = $2
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [0x63787470, granted],
    );
    return Number(rows[0]?.n);
  }

  it('reads back what a concurrent writer stored first, and reports the conflict', async () => {
    const contested = touchpoint('c-race-2');
    let releaseFirst!: () => void;
    const held = new Promise<void>((resolve) => (releaseFirst = resolve));
    // The first append holds the position lock until the second one is queued behind it.
    const first = store.append([contested], { beforeCommit: () => held });
    await until(
      'a writer to wait for the position lock',
      async () => (await positionLock(true)) > 0,
    );
    const second = store.append([{ ...contested, sentiment: -1 }]);
    await until('a writer to hold the position lock', async () => (await positionLock(false)) > 0);
    releaseFirst();
    const [[a], [b]] = await Promise.all([first, second]);
    expect(a?.status).toBe('accepted');
    expect(b).toEqual({
      touchpointId: contested.touchpointId,
      status: 'conflict',
      position: a?.position,
    });
  });

  it('commits overlapping appends together (group commit), answering each call its own results', async () => {
    const calls = Array.from({ length: 50 }, (_, i) => [touchpoint(`c-group-${i % 7}`)]);
    const answers = await Promise.all(calls.map((call) => store.append(call)));
    const ids = calls.flat().map((t) => t.touchpointId);
    expect(answers.map((a) => a.map((r) => [r.touchpointId, r.status]))).toEqual(
      calls.map((call) => call.map((t) => [t.touchpointId, 'accepted'])),
    );
    expect(new Set(answers.flat().map((r) => r.position)).size).toBe(50);
    // xmin names the inserting transaction: far fewer transactions than calls.
    const { rows } = await db.pool.query<{ transactions: string }>(
      'SELECT count(DISTINCT xmin::text) AS transactions FROM touchpoint_events WHERE touchpoint_id = ANY($1)',
      [ids],
    );
    expect(Number(rows[0]?.transactions)).toBeLessThan(10);
  });

  it('fails only the call the database refuses when it shared a group with others', async () => {
    const before = await store.headPosition();
    const good = [touchpoint('c-group-ok'), touchpoint('c-group-ok-2')];
    // Postgres refuses a lone surrogate in JSONB: the whole shared transaction fails at first.
    const bad = touchpoint('c-group-bad', { touchpointName: 'a\ud800b' });
    const outcomes = await Promise.allSettled([
      store.append([touchpoint('c-group-first')]),
      store.append([touchpoint('c-group-second')]),
      store.append([good[0] as Touchpoint]),
      store.append([bad]),
      store.append([good[1] as Touchpoint]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(await countStored([bad.touchpointId])).toBe(0);
    expect(await countStored(good.map((t) => t.touchpointId))).toBe(2);
    expect(await store.headPosition()).toBeGreaterThan(before);
  });

  it('makes positions visible in the order they were taken (no sequence gap for readers)', async () => {
    const head = await store.headPosition();
    let releaseEarly!: () => void;
    const held = new Promise<void>((resolve) => (releaseEarly = resolve));
    const early = store.append([touchpoint('c-visible')], { beforeCommit: () => held });
    await until(
      'a writer to wait for the position lock',
      async () => (await positionLock(true)) > 0,
    );
    let lateDone = false;
    const late = store.append([touchpoint('c-visible')]).then((results) => {
      lateDone = true;
      return results;
    });
    await until('a writer to hold the position lock', async () => (await positionLock(false)) > 0);
    // While the early append is open, the late one can neither commit nor expose a position.
    expect(lateDone).toBe(false);
    expect(await store.readAll(head, 10)).toEqual([]);
    releaseEarly();
    const [[a], [b]] = await Promise.all([early, late]);
    expect(b?.position).toBeGreaterThan(a?.position ?? Infinity);
    expect((await store.readAll(head, 10)).map((e) => e.position)).toEqual([
      a?.position,
      b?.position,
    ]);
  });

  it('stores nothing of a call that fails, and leaves a hole in the positions', async () => {
    const before = await store.headPosition();
    const list = [touchpoint('c-rollback'), touchpoint('c-rollback')];
    await expect(
      store.append(list, {
        beforeCommit: () => Promise.reject(new Error('injected failure')),
      }),
    ).rejects.toThrow('injected failure');
    expect(await countStored(list.map((t) => t.touchpointId))).toBe(0);
    const [next] = await store.append([touchpoint('c-rollback')]);
    expect(next?.position).toBeGreaterThan(before + 2);
  });

  it("stores the call's trace context with each of its events, as given while tracing is off", async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const traced = [touchpoint(`c-trace-${Date.now()}`), touchpoint(`c-trace-${Date.now()}`)];
    const plain = touchpoint(`c-trace-${Date.now()}`);
    await store.append(traced, { trace: { traceparent, tracestate: 'vendor=1' } });
    await store.append([plain]);
    const { rows } = await db.pool.query<{
      touchpoint_id: string;
      traceparent: string | null;
      tracestate: string | null;
    }>(
      `SELECT touchpoint_id, traceparent, tracestate FROM touchpoint_events
        WHERE touchpoint_id = ANY($1::text[]) ORDER BY position`,
      [[...traced, plain].map((t) => t.touchpointId)],
    );
    expect(rows).toEqual([
      { touchpoint_id: traced[0]?.touchpointId, traceparent, tracestate: 'vendor=1' },
      { touchpoint_id: traced[1]?.touchpointId, traceparent, tracestate: 'vendor=1' },
      { touchpoint_id: plain.touchpointId, traceparent: null, tracestate: null },
    ]);
  });

  it('is append-only: UPDATE and DELETE are refused by the database', async () => {
    await expect(db.pool.query("UPDATE touchpoint_events SET channel = 'web'")).rejects.toThrow(
      /append-only/,
    );
    await expect(db.pool.query('DELETE FROM touchpoint_events')).rejects.toThrow(/append-only/);
  });

  it('stores personal data sealed, reads it back, and loses it for good on forget', async () => {
    const customer = `c-personal-${Date.now()}`;
    const secret = touchpoint(customer, {
      text: 'call me at 600 123 456',
      attributes: { email: 'a@b.c' },
    });
    const plain = touchpoint(customer);
    await store.append([secret, plain]);

    const { rows } = await db.pool.query<{ raw: string }>(
      'SELECT row_to_json(e)::text AS raw FROM touchpoint_events e WHERE touchpoint_id = $1',
      [secret.touchpointId],
    );
    expect(rows[0]?.raw).not.toContain('600 123 456');
    expect(rows[0]?.raw).not.toContain('a@b.c');
    expect(rows[0]?.raw).toContain('AES-256-GCM');

    const timeline = await store.readCustomerTimeline(customer, { limit: 10 });
    expect(timeline.map((e) => e.touchpoint.touchpointId)).toEqual([
      plain.touchpointId,
      secret.touchpointId,
    ]);
    expect(timeline[1]).toMatchObject({ personalData: 'readable', touchpoint: secret });
    expect(timeline[0]?.personalData).toBe('none');

    await cipher.forget(customer);
    const after = await store.readCustomerTimeline(customer, { limit: 10 });
    expect(after[1]?.personalData).toBe('forgotten');
    expect(after[1]?.touchpoint).not.toHaveProperty('text');
    expect(after[1]?.touchpoint).not.toHaveProperty('attributes');
    expect(after[1]?.touchpoint.sentiment).toBe(secret.sentiment);
    const all = await store.readAll((after[1]?.position ?? 1) - 1, 1);
    expect(all[0]?.personalData).toBe('forgotten');

    // A retry after forgetting is still recognised by its public data; new personal data is not kept.
    expect((await store.append([secret]))[0]?.status).toBe('duplicate');
    const late = touchpoint(customer, { text: 'more personal data' });
    await store.append([late]);
    const [latest] = await store.readCustomerTimeline(customer, { limit: 1 });
    expect(latest?.touchpoint.touchpointId).toBe(late.touchpointId);
    expect(latest?.touchpoint).not.toHaveProperty('text');
  });

  it('pages a timeline newest first with a position cursor, and reads all in ascending order', async () => {
    const customer = `c-page-${Date.now()}`;
    const list = Array.from({ length: 5 }, () => touchpoint(customer));
    const results = await store.append(list);
    const page1 = await store.readCustomerTimeline(customer, { limit: 2 });
    const page2 = await store.readCustomerTimeline(customer, {
      limit: 2,
      before: page1[1]?.position,
    });
    expect([...page1, ...page2].map((e) => e.touchpoint.touchpointId)).toEqual(
      list
        .slice(1)
        .reverse()
        .map((t) => t.touchpointId),
    );
    const start = (results[0]?.position ?? 1) - 1;
    const all = await store.readAll(start, 5);
    expect(all.map((e) => e.touchpoint.touchpointId)).toEqual(list.map((t) => t.touchpointId));
  });

  it('appends batches of 1,000 in a handful of statements', async () => {
    const batches = 10;
    const started = process.hrtime.bigint();
    for (let b = 0; b < batches; b += 1) {
      const batch = Array.from({ length: 1000 }, (_, i) =>
        touchpoint(`c-bulk-${i % 100}`, i % 10 === 0 ? { text: `note ${i}` } : {}),
      );
      const results = await store.append(batch);
      expect(results.every((r) => r.status === 'accepted')).toBe(true);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.log(
      `append: ${Math.round((batches * 1000) / seconds)} events/s (batches of 1,000, 10% with personal data)`,
    );
  });
});
