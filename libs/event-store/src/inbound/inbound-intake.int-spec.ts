import type { Touchpoint } from '@cx/domain';
import {
  createScratchDatabase,
  touchpoint,
  type ScratchDatabase,
} from '../../test/scratch-database';
import { EventStore } from '../event-store';
import { PersonalDataCipher } from '../personal-data-cipher';
import { DeadLetterStore, forgetDeadLetterValues } from './dead-letter-store';
import { InboundIntake, type InboundMessage } from './inbound-intake';

jest.setTimeout(120_000);

const TOPIC = 'cx.touchpoints.inbound.v1';

function message(offset: number, tp: Touchpoint, overrides: Partial<InboundMessage> = {}) {
  return {
    offset: String(offset),
    key: Buffer.from(tp.customerId),
    value: Buffer.from(JSON.stringify(tp)),
    headers: {},
    ...overrides,
  };
}

describe('InboundIntake and DeadLetterStore (real Postgres)', () => {
  let db: ScratchDatabase;
  let store: EventStore;
  let deadLetters: DeadLetterStore;
  let intake: InboundIntake;

  beforeAll(async () => {
    db = await createScratchDatabase();
    const cipher = new PersonalDataCipher(db.keyPool, {
      masterKey: Buffer.alloc(32, 7).toString('base64'),
    });
    store = new EventStore(db.pool, cipher);
    deadLetters = new DeadLetterStore(db.pool, store);
    intake = new InboundIntake(db.pool, store, deadLetters, 'test-inbound');
  });

  afterAll(async () => {
    await db.drop();
  });

  async function stored(ids: readonly string[]): Promise<number> {
    const { rows } = await db.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM touchpoint_events WHERE touchpoint_id = ANY($1::text[])',
      [ids],
    );
    return Number(rows[0]?.n);
  }

  async function letters(partition: number): Promise<{ code: string; source_offset: string }[]> {
    const { rows } = await db.pool.query<{ code: string; source_offset: string }>(
      `SELECT code, source_offset FROM dead_letters WHERE source_partition = $1 ORDER BY id`,
      [partition],
    );
    return rows;
  }

  it('stores the valid messages and dead-letters the rest, with the offset, in one go', async () => {
    const a = touchpoint('in-a');
    const b = touchpoint('in-b');
    const batch = [
      message(0, a),
      message(1, touchpoint('in-c'), { value: Buffer.from('{not json') }),
      message(2, b, { key: null }),
      message(3, a),
      message(4, { ...a, sentiment: -1 }),
      message(5, b, { key: Buffer.from('someone-else') }),
    ];
    const result = await intake.applyPartitionBatch(TOPIC, 0, batch);
    expect(result).toMatchObject({ kind: 'applied', nextOffset: '6', appended: 1 });
    expect(await stored([a.touchpointId, b.touchpointId])).toBe(1);
    expect(await letters(0)).toEqual([
      { code: 'invalid_json', source_offset: '1' },
      { code: 'missing_key', source_offset: '2' },
      { code: 'duplicate', source_offset: '3' },
      { code: 'conflict', source_offset: '4' },
      { code: 'key_mismatch', source_offset: '5' },
    ]);
    expect(await intake.readOffsets(TOPIC, [0, 1])).toEqual(new Map([[0, '6']]));
  });

  it('skips a redelivered batch: nothing stored twice, no duplicate dead letter', async () => {
    const c = touchpoint('in-redelivered');
    const batch = [message(0, c), message(1, c, { key: null })];
    await intake.applyPartitionBatch(TOPIC, 1, batch);
    const again = await intake.applyPartitionBatch(TOPIC, 1, [...batch, message(2, c)]);
    expect(again).toMatchObject({ kind: 'applied', nextOffset: '3', alreadyApplied: 2 });
    expect(await stored([c.touchpointId])).toBe(1);
    // The third is a second copy in the log, not a redelivery.
    expect((await letters(1)).map((l) => l.code)).toEqual(['missing_key', 'duplicate']);
  });

  it('answers a gap instead of applying past the recorded offset', async () => {
    await intake.applyPartitionBatch(TOPIC, 2, [message(10, touchpoint('in-gap'))]);
    const gap = await intake.applyPartitionBatch(TOPIC, 2, [message(20, touchpoint('in-gap'))]);
    expect(gap).toEqual({ kind: 'gap', recordedOffset: '11' });
  });

  it('dead-letters an erased customer and stores the others of the batch', async () => {
    await store.markErased('in-erased', 'test');
    const gone = touchpoint('in-erased');
    const kept = touchpoint('in-kept');
    await intake.applyPartitionBatch(TOPIC, 3, [message(0, gone), message(1, kept)]);
    expect(await stored([gone.touchpointId, kept.touchpointId])).toBe(1);
    expect((await letters(3)).map((l) => l.code)).toEqual(['customer_erased']);
    // Their personal data is not taken in, not even as a dead letter.
    const { rows } = await db.pool.query<{ value: Buffer | null; value_bytes: number }>(
      'SELECT value, value_bytes FROM dead_letters WHERE source_partition = 3',
    );
    expect(rows).toEqual([{ value: null, value_bytes: expect.any(Number) as unknown }]);
    const [outcome] = await deadLetters.replay(
      (await deadLetters.list({ limit: 1, code: 'customer_erased' })).map((l) => l.id),
    );
    expect(outcome).toMatchObject({
      outcome: 'not_replayable',
      reason: expect.stringMatching(/erased/) as unknown,
    });
  });

  it("removes the kept values of a customer's dead letters on erasure, by customer or key", async () => {
    const mine = touchpoint('in-forget');
    await intake.applyPartitionBatch(TOPIC, 5, [
      message(0, mine, { key: null }),
      message(1, mine, { value: Buffer.from('{"broken"') }),
      message(2, touchpoint('in-keep'), { value: Buffer.from('{"broken"') }),
    ]);
    const client = await db.pool.connect();
    try {
      expect(await forgetDeadLetterValues(client, 'in-forget')).toBe(2);
    } finally {
      client.release();
    }
    const { rows } = await db.pool.query<{ source_offset: string; kept: boolean }>(
      `SELECT source_offset, value IS NOT NULL AS kept FROM dead_letters
        WHERE source_partition = 5 ORDER BY source_offset`,
    );
    expect(rows).toEqual([
      { source_offset: '0', kept: false },
      { source_offset: '1', kept: false },
      { source_offset: '2', kept: true },
    ]);
  });

  it('replays: stored once valid, refused again with the new reason, a no-op the second time', async () => {
    const future = touchpoint('in-future', {
      occurredAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await intake.applyPartitionBatch(TOPIC, 4, [
      message(0, future),
      message(1, touchpoint('in-big'), { value: Buffer.alloc(1024 * 1024 + 1, 0x20) }),
    ]);
    const [tooBig, early] = await deadLetters.list({ limit: 2 });
    expect([early?.code, tooBig?.code]).toEqual(['invalid_touchpoint', 'payload_too_large']);
    expect(tooBig?.value).toBeNull();
    expect(tooBig?.valueBytes).toBe(1024 * 1024 + 1);
    const earlyId = early?.id ?? '';
    const tooBigId = tooBig?.id ?? '';

    const [still, notReplayable, missing] = await deadLetters.replay([earlyId, tooBigId, '999999']);
    expect(still).toMatchObject({ outcome: 'refused', code: 'invalid_touchpoint' });
    expect(notReplayable).toMatchObject({ outcome: 'not_replayable' });
    expect(missing).toEqual({ id: '999999', outcome: 'not_found' });

    const later = (): Date => new Date(Date.now() + 2 * 3_600_000);
    const [replayed] = await deadLetters.replay([earlyId], later);
    expect(replayed).toMatchObject({ outcome: 'replayed', touchpointId: future.touchpointId });
    const [again] = await deadLetters.replay([earlyId], later);
    expect(again).toMatchObject({ outcome: 'already_replayed' });
    expect(await stored([future.touchpointId])).toBe(1);
    expect(await deadLetters.pendingIds()).not.toContain(earlyId);
  });
});
