import { tp } from '@cx/domain/testing';
import { EventStore, PersonalDataCipher } from '@cx/event-store';
import {
  createScratchDatabase,
  type ScratchDatabase,
} from '../../../test/support/scratch-database';
import { ProjectionProgress } from './projection-progress';
import { APPLIED_TOUCHPOINTS } from './schema/read-model.schema';

jest.setTimeout(60_000);

/**
 * `caughtUp` against real Postgres: the per-customer and the whole-store semantics of
 * read-your-writes, answered for many reads at once by a single statement.
 */
describe('ProjectionProgress.caughtUp (real Postgres)', () => {
  let db: ScratchDatabase;
  let store: EventStore;
  let counter = 0;

  beforeEach(async () => {
    db = await createScratchDatabase('cx_progress');
    store = new EventStore(db.pool, new PersonalDataCipher(db.keyPool));
  });

  afterEach(async () => {
    await db.drop();
  });

  /** Stores one touchpoint of the customer; returns its id and position. */
  async function append(customerId: string): Promise<{ id: string; position: number }> {
    counter += 1;
    const id = `${customerId}-${counter}`;
    const [result] = await store.append([
      tp({ customerId, touchpointId: id, interaction: 'exposure', day: counter }),
    ]);
    return { id, position: result?.position ?? 0 };
  }

  /** What the projector's ledger records once it applied the touchpoint. */
  async function apply(...events: { id: string; position: number }[]): Promise<void> {
    for (const { id, position } of events) {
      await db.pool.query(
        `INSERT INTO ${APPLIED_TOUCHPOINTS.name} (touchpoint_id, customer_id, position, payload)
         SELECT touchpoint_id, customer_id, position, '{}'::jsonb FROM touchpoint_events
          WHERE touchpoint_id = $1 AND position = $2`,
        [id, position],
      );
    }
  }

  /** A position taken and never committed, as a rolled-back append leaves. */
  async function hole(): Promise<number> {
    const { rows } = await db.pool.query<{ position: string }>(
      "SELECT nextval('touchpoint_events_position_seq') AS position",
    );
    return Number(rows[0]?.position);
  }

  function countQueries(): () => number {
    const spy = jest.spyOn(db.pool, 'query');
    return () => spy.mock.calls.length;
  }

  it("answers each customer read by that customer's events up to its position, in one query", async () => {
    const a1 = await append('a');
    const b1 = await append('b');
    const a2 = await append('a');
    const b2 = await append('b');
    await apply(a1, a2, b2);
    const settled = await store.settledPosition();
    const progress = new ProjectionProgress(db.pool);
    const queries = countQueries();

    const answers = await progress.caughtUp(
      [
        { customerId: 'a', position: a2.position },
        // b1 is not applied: b is behind at b1 and above, not below it.
        { customerId: 'b', position: b2.position },
        { customerId: 'b', position: b1.position },
        { customerId: 'b', position: a1.position },
        // The same read twice gets the same answer.
        { customerId: 'a', position: a2.position },
        // A customer with no events is caught up at any settled position.
        { customerId: 'nobody', position: b2.position },
      ],
      settled,
    );
    expect(answers).toEqual([true, false, false, true, true, true]);
    expect(queries()).toBe(1);
  });

  it('counts a customer read as caught up only once its position is settled', async () => {
    const a1 = await append('a');
    await apply(a1);
    const progress = new ProjectionProgress(db.pool);
    const queries = countQueries();
    const answers = await progress.caughtUp(
      [
        { customerId: 'a', position: a1.position + 1 },
        { customerId: null, position: a1.position + 1 },
      ],
      a1.position,
    );
    expect(answers).toEqual([false, false]);
    // The customer read needs no query; the listing's scan up to `settled` moves the watermark.
    expect(queries()).toBe(1);
  });

  it('counts a rolled-back position as settled, for a customer and for a listing', async () => {
    const a1 = await append('a');
    const b1 = await append('b');
    const gap = await hole();
    await apply(a1);
    const progress = new ProjectionProgress(db.pool);
    const settled = await store.settledPosition();
    expect(settled).toBeGreaterThanOrEqual(gap);

    expect(
      await progress.caughtUp(
        [
          { customerId: 'a', position: gap },
          { customerId: null, position: gap },
        ],
        settled,
      ),
    ).toEqual([true, false]);
    await apply(b1);
    expect(
      await progress.caughtUp(
        [
          { customerId: 'b', position: gap },
          { customerId: null, position: gap },
        ],
        settled,
      ),
    ).toEqual([true, true]);
  });

  it('answers listings at several positions with one scan, and remembers what is applied', async () => {
    const a1 = await append('a');
    const b1 = await append('b');
    const a2 = await append('a');
    await apply(a1, a2);
    const settled = await store.settledPosition();
    const progress = new ProjectionProgress(db.pool);
    let queries = countQueries();

    const listings = [a1, b1, a2].map(({ position }) => ({ customerId: null, position }));
    expect(await progress.caughtUp(listings, settled)).toEqual([true, false, false]);
    expect(queries()).toBe(1);

    // Below the first unapplied event the watermark answers without asking the database.
    jest.restoreAllMocks();
    queries = countQueries();
    expect(
      await progress.caughtUp(
        [
          { customerId: null, position: a1.position },
          { customerId: 'a', position: a1.position },
        ],
        settled,
      ),
    ).toEqual([true, true]);
    expect(queries()).toBe(0);

    await apply(b1);
    jest.restoreAllMocks();
    queries = countQueries();
    expect(await progress.caughtUp(listings, settled)).toEqual([true, true, true]);
    expect(queries()).toBe(1);
  });

  it('asks nothing when no read needs the database', async () => {
    const progress = new ProjectionProgress(db.pool);
    const queries = countQueries();
    expect(await progress.caughtUp([], 10)).toEqual([]);
    expect(await progress.caughtUp([{ customerId: 'a', position: 11 }], 10)).toEqual([false]);
    expect(queries()).toBe(0);
  });
});
