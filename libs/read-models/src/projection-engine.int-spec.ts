import type { Touchpoint } from '@cx/domain';
import { tp } from '@cx/domain/testing';
import {
  createScratchDatabase,
  type ScratchDatabase,
} from '../../../test/support/scratch-database';
import type { Projection, ProjectionOutcome, PositionedTouchpoint } from './projection';
import { ProjectionEngine, type ConsumedMessage } from './projection-engine';
import { PROJECTION_OFFSETS } from './schema/read-model.schema';

jest.setTimeout(60_000);

const TOPIC = 'cx.engine-test.v1';

/**
 * A projection that writes nothing: it notes which transaction handed it which touchpoints, and
 * refuses the touchpoints of customer `poison`.
 */
function recordingProjection(): Projection & {
  readonly calls: { txid: string; ids: string[] }[];
} {
  const calls: { txid: string; ids: string[] }[] = [];
  return {
    calls,
    name: 'recording',
    tables: [],
    handles: () => true,
    async apply(batch, touchpoints): Promise<ProjectionOutcome> {
      if (touchpoints.some((t) => t.touchpoint.customerId === 'poison')) {
        throw new Error('this projection refuses customer poison');
      }
      const { rows } = await batch.client.query<{ txid: string }>(
        'SELECT txid_current()::text AS txid',
      );
      calls.push({
        txid: rows[0]?.txid ?? '?',
        ids: touchpoints.map((t) => t.touchpoint.touchpointId),
      });
      return {};
    },
  };
}

let position = 0;
function message(offset: number, touchpoint: Touchpoint): ConsumedMessage {
  position += 1;
  const item: PositionedTouchpoint = { touchpoint, position };
  return { offset: String(offset), item };
}

/** `count` messages of partition `p` from `offset`, one customer per partition. */
function batchOf(p: number, offset: number, count: number, customer = `c${p}`): ConsumedMessage[] {
  return Array.from({ length: count }, (_, k) =>
    message(
      offset + k,
      tp({
        customerId: customer,
        touchpointId: `${customer}-${offset + k}`,
        interaction: 'exposure',
        day: offset + k,
      }),
    ),
  );
}

async function offsets(db: ScratchDatabase, group: string): Promise<Record<number, string>> {
  const { rows } = await db.pool.query<{ partition: number; next_offset: string }>(
    `SELECT partition, next_offset FROM ${PROJECTION_OFFSETS} WHERE consumer_group = $1 AND topic = $2`,
    [group, TOPIC],
  );
  return Object.fromEntries(rows.map((r) => [r.partition, r.next_offset]));
}

describe('ProjectionEngine: partition batches applied together', () => {
  let db: ScratchDatabase;

  beforeAll(async () => {
    db = await createScratchDatabase('cx_engine');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('applies concurrent batches of six partitions in fewer transactions, each exactly once', async () => {
    const projection = recordingProjection();
    const engine = new ProjectionEngine(db.pool, 'g-together', [projection]);
    const results = await Promise.all(
      [0, 1, 2, 3, 4, 5].map((p) => engine.applyPartitionBatch(TOPIC, p, batchOf(p, 0, 3))),
    );

    expect(results).toEqual(
      [0, 1, 2, 3, 4, 5].map(() => ({
        kind: 'applied',
        newTouchpoints: 3,
        insights: 0,
        nextOffset: '3',
        alreadyApplied: 0,
      })),
    );
    // The first two find the engine idle (two transactions may run at once) and go alone; the
    // four queued behind them share one.
    const transactions = new Set(projection.calls.map((c) => c.txid));
    expect(transactions.size).toBe(3);
    expect(projection.calls.flatMap((c) => c.ids).sort()).toEqual(
      [0, 1, 2, 3, 4, 5].flatMap((p) => [0, 1, 2].map((k) => `c${p}-${k}`)).sort(),
    );
    expect(await offsets(db, 'g-together')).toEqual({
      0: '3',
      1: '3',
      2: '3',
      3: '3',
      4: '3',
      5: '3',
    });

    // Redelivered, with one new message each: only the new ones reach the projection.
    projection.calls.length = 0;
    const again = await Promise.all(
      [0, 1, 2].map((p) => engine.applyPartitionBatch(TOPIC, p, batchOf(p, 1, 3))),
    );
    for (const result of again) {
      expect(result).toMatchObject({
        kind: 'applied',
        newTouchpoints: 1,
        alreadyApplied: 2,
        nextOffset: '4',
      });
    }
    expect(projection.calls.flatMap((c) => c.ids).sort()).toEqual(['c0-3', 'c1-3', 'c2-3']);
  });

  it('answers a gap for the partition that skipped ahead and applies the others of the group', async () => {
    const projection = recordingProjection();
    const engine = new ProjectionEngine(db.pool, 'g-gap', [projection]);
    await engine.applyPartitionBatch(TOPIC, 0, batchOf(0, 0, 2, 'gap0'));
    await engine.applyPartitionBatch(TOPIC, 1, batchOf(1, 0, 2, 'gap1'));
    projection.calls.length = 0;

    const [held, ahead, fine] = await Promise.all([
      engine.applyPartitionBatch(TOPIC, 1, batchOf(1, 2, 1, 'gap1')),
      engine.applyPartitionBatch(TOPIC, 0, batchOf(0, 5, 2, 'gap0')),
      engine.applyPartitionBatch(TOPIC, 2, batchOf(2, 0, 2, 'gap2')),
    ]);
    expect(held).toMatchObject({ kind: 'applied', nextOffset: '3' });
    expect(ahead).toEqual({ kind: 'gap', recordedOffset: '2' });
    expect(fine).toMatchObject({ kind: 'applied', nextOffset: '2', newTouchpoints: 2 });
    expect(projection.calls.flatMap((c) => c.ids).sort()).toEqual(['gap1-2', 'gap2-0', 'gap2-1']);
    expect(await offsets(db, 'g-gap')).toEqual({ 0: '2', 1: '3', 2: '2' });
  });

  it('lets a failing partition fail alone: the batches grouped with it are applied', async () => {
    const projection = recordingProjection();
    const engine = new ProjectionEngine(db.pool, 'g-fail', [projection]);
    // Keep the engine busy so that the next three queue up and are grouped.
    const first = engine.applyPartitionBatch(TOPIC, 0, batchOf(0, 0, 1, 'f0'));
    const grouped = await Promise.allSettled([
      engine.applyPartitionBatch(TOPIC, 1, batchOf(1, 0, 2, 'f1')),
      engine.applyPartitionBatch(TOPIC, 2, batchOf(2, 0, 2, 'poison')),
      engine.applyPartitionBatch(TOPIC, 3, batchOf(3, 0, 2, 'f3')),
    ]);
    await first;

    expect(grouped.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await offsets(db, 'g-fail')).toEqual({ 0: '1', 1: '2', 3: '2' });
    const { rows } = await db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM projection_touchpoints WHERE customer_id = 'poison'",
    );
    expect(rows[0]?.n).toBe(0);
  });
});
