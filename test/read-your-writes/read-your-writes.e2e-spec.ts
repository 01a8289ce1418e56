import { randomBytes } from 'node:crypto';
import { categoryOf, type Channel, type Touchpoint } from '@cx/domain';
import { EventStore, PersonalDataCipher } from '@cx/event-store';
import { kafkaBrokers } from '../support/stack';
import { mapLimited } from '../support/map-limited';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { shuffledWithDuplicates } from '../projector/support/journeys';
import {
  distMain,
  startService,
  stopService,
  type RunningService,
} from '../projector/support/services';

jest.setTimeout(300_000);

/** Everything this file writes carries this prefix (ids, consumer group, database name). */
const RUN = `rw-${randomBytes(3).toString('hex')}`;
const CUSTOMERS = 400;
const ROUNDS = 5;
/** The longest wait a request may ask for: a slow projector must not pass for a stale read. */
const MAX_WAIT_MS = 30_000;
/** Parallel requests of the test client. */
const READ_CONCURRENCY = 32;

const customerIds = Array.from(
  { length: CUSTOMERS },
  (_, i) => `${RUN}-c${String(i).padStart(3, '0')}`,
);

const INTERACTIONS = [
  'exposure',
  'inquiry',
  'evaluation',
  'purchase',
  'survey_response',
  'feedback',
  'repurchase',
  'referral',
] as const;
const CHANNELS: readonly Channel[] = ['web', 'email', 'chat', 'support', 'sales', 'advertising'];

let serial = 0;

/** A valid touchpoint of the customer, unique id, occurring a minute after the previous one. */
function touchpoint(customerId: string): Touchpoint {
  serial += 1;
  const channel = CHANNELS[serial % CHANNELS.length] ?? 'web';
  return {
    touchpointId: `${customerId}-t${serial}`,
    customerId,
    occurredAt: new Date(Date.UTC(2025, 0, 1) + serial * 60_000).toISOString(),
    channel,
    category: categoryOf(channel),
    interaction: INTERACTIONS[serial % INTERACTIONS.length] ?? 'exposure',
    survey: { nps: serial % 11, csat: 1 + (serial % 5) },
    sentiment: ((serial % 5) - 2) / 2,
  };
}

interface Answer<T> {
  readonly status: number;
  readonly body: T;
  /** Wall time of the request, ms. */
  readonly ms: number;
}

async function getJson<T>(url: string): Promise<Answer<T>> {
  const started = performance.now();
  const response = await fetch(url);
  const text = await response.text();
  const ms = performance.now() - started;
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Left as text: the assertion shows it.
  }
  return { status: response.status, body: body as T, ms };
}

function stats(values: readonly number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  return `n=${sorted.length} p50=${at(0.5).toFixed(0)} p95=${at(0.95).toFixed(0)} max=${(sorted[sorted.length - 1] ?? NaN).toFixed(0)} ms`;
}

interface ProfileBody {
  customerId: string;
  touchpoints: number;
}
interface JourneyBody {
  customerId: string;
  lastPosition: number;
}
interface ListBody {
  items: { customerId: string; touchpoints: number; lastPosition: number }[];
  nextCursor: string | null;
}
interface ErrorBody {
  error: string;
  details: { path: string; message: string }[];
}
interface BatchBody {
  results: { touchpointId: string; status: string; position: number | null }[];
}

/**
 * Read-your-writes through the services as deployed: ingestion, projector and query built in dist/
 * and spawned as processes, on a scratch database of this file and the test broker. A client that
 * passes the position ingestion gave it as `minPosition` must see its writes, every time.
 */
describe('read-your-writes (e2e)', () => {
  let db: ScratchDatabase;
  let env: Record<string, string>;
  let ingestion: RunningService;
  let projector: RunningService;
  let query: RunningService;
  /** Unique touchpoints sent per customer, and the position of each customer's latest one. */
  const sentCount = new Map<string, number>();
  const lastPosition = new Map<string, number>();
  const timings: string[] = [];

  /** Posts one batch; returns the highest position of its results. */
  const postBatch = async (list: readonly Touchpoint[]): Promise<number> => {
    expect(list.length).toBeLessThanOrEqual(1000);
    const response = await fetch(`${ingestion.url}/v1/touchpoints/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ touchpoints: list }),
    });
    const text = await response.text();
    if (response.status !== 202) throw new Error(`ingestion answered ${response.status}: ${text}`);
    const { results } = JSON.parse(text) as BatchBody;
    expect(results).toHaveLength(list.length);
    let highest = 0;
    const seen = new Set<string>();
    results.forEach((result, i) => {
      const sent = list[i] as Touchpoint;
      expect(result.touchpointId).toBe(sent.touchpointId);
      const first = !seen.has(sent.touchpointId);
      seen.add(sent.touchpointId);
      // A copy later in the same batch is a duplicate of the first, with the same position.
      expect(result.status).toBe(first ? 'accepted' : 'duplicate');
      if (result.position === null) throw new Error(`no position for ${sent.touchpointId}`);
      highest = Math.max(highest, result.position);
      if (first) {
        sentCount.set(sent.customerId, (sentCount.get(sent.customerId) ?? 0) + 1);
        lastPosition.set(
          sent.customerId,
          Math.max(lastPosition.get(sent.customerId) ?? 0, result.position),
        );
      }
    });
    return highest;
  };

  const profile = (customerId: string, params: string): Promise<Answer<ProfileBody>> =>
    getJson<ProfileBody>(`${query.url}/v1/customers/${customerId}?${params}`);

  /** Every page of the listing, each asked with `params`; the items of this file's customers. */
  const listAll = async (
    params: string,
  ): Promise<{ status: number; body: unknown; items: Map<string, number>; ms: number[] }> => {
    const items = new Map<string, number>();
    const ms: number[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page: Answer<ListBody> = await getJson<ListBody>(
        `${query.url}/v1/customers?${params}&limit=200${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
      );
      ms.push(page.ms);
      if (page.status !== 200) return { status: page.status, body: page.body, items, ms };
      for (const item of page.body.items) {
        if (item.customerId.startsWith(`${RUN}-`)) items.set(item.customerId, item.touchpoints);
      }
      cursor = page.body.nextCursor;
      if (cursor === null) return { status: 200, body: null, items, ms };
    }
  };

  const sequenceValue = async (): Promise<number> => {
    const { rows } = await db.pool.query<{ last_value: string; is_called: boolean }>(
      'SELECT last_value, is_called FROM touchpoint_events_position_seq',
    );
    const row = rows[0];
    if (row === undefined) throw new Error('no position sequence');
    return row.is_called ? Number(row.last_value) : Number(row.last_value) - 1;
  };

  const committedHead = async (): Promise<number> => {
    const { rows } = await db.pool.query<{ head: string | null }>(
      'SELECT max(position) AS head FROM touchpoint_events',
    );
    return Number(rows[0]?.head ?? 0);
  };

  beforeAll(async () => {
    for (const app of ['ingestion', 'projector', 'query']) distMain(app);
    db = await createScratchDatabase('cx_rw');
    env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers(),
      // A group of its own: its offsets are this database's, not those of other suites' projectors.
      PROJECTOR_GROUP: `projector.${RUN}`,
      PROJECTOR_CHUNK: '500',
      PROJECTOR_SESSION_TIMEOUT_MS: '6000',
    };
    [ingestion, projector, query] = await Promise.all([
      startService('ingestion', env, 'ingestion'),
      startService('projector', env, 'projector'),
      startService('query', env, 'query'),
    ]);
  });

  afterAll(async () => {
    for (const service of [projector, ingestion, query]) {
      if (service) await stopService(service, 'SIGKILL');
    }
    await db?.drop();
    if (timings.length > 0) console.log(`read-your-writes timings\n${timings.join('\n')}`);
  });

  it(`shows every write of a ${CUSTOMERS}-customer batch to the very next read, ${ROUNDS} rounds in a row`, async () => {
    for (let round = 1; round <= ROUNDS; round++) {
      // One or two new touchpoints per customer (which varies by round), shuffled so that every
      // partition's messages interleave, with a few copies sent twice in the same batch.
      const fresh = customerIds.flatMap((id, i) =>
        Array.from({ length: 1 + ((i + round) % 2) }, () => touchpoint(id)),
      );
      const batch = shuffledWithDuplicates(fresh, 1000 + round, 0.05);
      const highest = await postBatch(batch);
      const params = `minPosition=${highest}&waitMs=${MAX_WAIT_MS}`;

      // Straight after the 202: every customer, the listing, and the journey of every 8th customer.
      const [profiles, listing, journeys] = await Promise.all([
        mapLimited(customerIds, READ_CONCURRENCY, (id) => profile(id, params)),
        listAll(params),
        mapLimited(
          customerIds.filter((_, i) => i % 8 === round % 8),
          8,
          (id) => getJson<JourneyBody>(`${query.url}/v1/customers/${id}/journey?${params}`),
        ),
      ]);

      const stale: string[] = [];
      profiles.forEach((answer, i) => {
        const id = customerIds[i] as string;
        if (answer.status !== 200 || answer.body.touchpoints !== sentCount.get(id)) {
          stale.push(
            `${id}: ${answer.status} ${JSON.stringify(answer.body)} (sent ${sentCount.get(id)})`,
          );
        }
      });
      expect(stale).toEqual([]);
      expect(profiles).toHaveLength(CUSTOMERS);

      expect({ status: listing.status, body: listing.body }).toEqual({ status: 200, body: null });
      expect(listing.items.size).toBe(CUSTOMERS);
      for (const id of customerIds) {
        if (listing.items.get(id) !== sentCount.get(id)) {
          stale.push(`list ${id}: ${listing.items.get(id)} (sent ${sentCount.get(id)})`);
        }
      }
      for (const answer of journeys) {
        if (
          answer.status !== 200 ||
          answer.body.lastPosition !== lastPosition.get(answer.body.customerId)
        ) {
          stale.push(`journey: ${answer.status} ${JSON.stringify(answer.body)}`);
        }
      }
      expect(stale).toEqual([]);

      timings.push(
        `round ${round}: ${batch.length} items, highest position ${highest}; ` +
          `profiles ${stats(profiles.map((a) => a.ms))}; ` +
          `list pages ${stats(listing.ms)}; journeys ${stats(journeys.map((a) => a.ms))}`,
      );
    }
  });

  it('counts a rolled-back position as settled: a hole at the head never makes minPosition wait', async () => {
    const customerId = customerIds[0] as string;
    // Everything so far applied, so that only the hole is left to decide on.
    const before = await listAll(`minPosition=${await committedHead()}&waitMs=${MAX_WAIT_MS}`);
    expect(before.status).toBe(200);

    const store = new EventStore(db.pool, new PersonalDataCipher(db.keyPool));
    let hole = 0;
    let inFlight: { list: Answer<ErrorBody>; customer: Answer<ErrorBody> } | undefined;
    let waiting: Promise<Answer<ListBody>> | undefined;
    await expect(
      store.append([touchpoint(customerId)], {
        beforeCommit: async () => {
          // The sequence is not transactional: the position this append took is visible now.
          hole = await sequenceValue();
          // Issued while the position is taken but not settled; answered after the rollback.
          waiting = getJson<ListBody>(
            `${query.url}/v1/customers?minPosition=${hole}&waitMs=${MAX_WAIT_MS}&limit=1`,
          );
          // In flight, the position may still commit: it is not settled, so no answer yet.
          const [list, customer] = await Promise.all([
            getJson<ErrorBody>(`${query.url}/v1/customers?minPosition=${hole}&waitMs=300`),
            getJson<ErrorBody>(
              `${query.url}/v1/customers/${customerId}?minPosition=${hole}&waitMs=300`,
            ),
          ]);
          inFlight = { list, customer };
          throw new Error('rolled back on purpose');
        },
      }),
    ).rejects.toThrow('rolled back on purpose');
    const rolledBackAt = performance.now();

    expect(inFlight?.list.status).toBe(503);
    expect(inFlight?.list.body.error).toBe('projection_not_caught_up');
    expect(inFlight?.customer.status).toBe(503);
    expect(inFlight?.customer.body.error).toBe('projection_not_caught_up');

    // A hole, and the newest position: nothing was appended after it.
    expect(hole).toBeGreaterThan(0);
    expect(await sequenceValue()).toBe(hole);
    expect(await committedHead()).toBeLessThan(hole);
    const { rows } = await db.pool.query('SELECT 1 FROM touchpoint_events WHERE position = $1', [
      hole,
    ]);
    expect(rows).toHaveLength(0);

    // The request that was waiting when the append rolled back: woken by the fallback re-check
    // (a rollback sends no notification), long before its waitMs.
    const woken = await (waiting as Promise<Answer<ListBody>>);
    const wokenAfterRollbackMs = performance.now() - rolledBackAt;
    expect(woken.status).toBe(200);
    expect(wokenAfterRollbackMs).toBeLessThan(5_000);

    // Asked now: settled at once, even with no time to wait at all.
    const noWaitList = await getJson<ListBody>(
      `${query.url}/v1/customers?minPosition=${hole}&waitMs=0&limit=1`,
    );
    const noWaitCustomer = await profile(customerId, `minPosition=${hole}&waitMs=0`);
    expect(noWaitList.status).toBe(200);
    expect(noWaitCustomer.status).toBe(200);
    expect(noWaitCustomer.body.touchpoints).toBe(sentCount.get(customerId));

    const list = await listAll(`minPosition=${hole}&waitMs=10000`);
    const customer = await profile(customerId, `minPosition=${hole}&waitMs=10000`);
    expect(list.status).toBe(200);
    expect(list.items.get(customerId)).toBe(sentCount.get(customerId));
    expect(customer.status).toBe(200);
    expect(customer.body.touchpoints).toBe(sentCount.get(customerId));
    // Well within waitMs (10 s): nothing to wait for.
    expect(Math.max(...list.ms, customer.ms)).toBeLessThan(2_000);

    // One more event after the hole: the hole is now below the head, and the new one is waited for.
    const after = await postBatch([touchpoint(customerId)]);
    expect(after).toBeGreaterThan(hole);
    const [afterCustomer, afterList, holeAgain] = await Promise.all([
      profile(customerId, `minPosition=${after}&waitMs=${MAX_WAIT_MS}`),
      listAll(`minPosition=${after}&waitMs=${MAX_WAIT_MS}`),
      profile(customerId, `minPosition=${hole}&waitMs=10000`),
    ]);
    expect(afterCustomer.status).toBe(200);
    expect(afterCustomer.body.touchpoints).toBe(sentCount.get(customerId));
    expect(afterList.status).toBe(200);
    expect(afterList.items.get(customerId)).toBe(sentCount.get(customerId));
    expect(holeAgain.status).toBe(200);

    timings.push(
      `hole at ${hole}: waiting request answered ${wokenAfterRollbackMs.toFixed(0)} ms after the rollback; ` +
        `waitMs=0 reads ${noWaitList.ms.toFixed(0)} / ${noWaitCustomer.ms.toFixed(0)} ms; ` +
        `list ${stats(list.ms)}, profile ${customer.ms.toFixed(0)} ms; ` +
        `next event at ${after}: profile ${afterCustomer.ms.toFixed(0)} ms, list ${stats(afterList.ms)}`,
    );
  });

  it('answers 503 projection_not_caught_up while the projector is stopped, and the write once it is back', async () => {
    const writer = customerIds[1] as string;
    const bystander = customerIds[2] as string;
    await stopService(projector);

    const position = await postBatch([touchpoint(writer)]);
    const [customer, list, plain, other] = await Promise.all([
      getJson<ErrorBody>(`${query.url}/v1/customers/${writer}?minPosition=${position}&waitMs=300`),
      getJson<ErrorBody>(`${query.url}/v1/customers?minPosition=${position}&waitMs=300`),
      profile(writer, ''),
      // Another customer has no event up to the position left to apply: nothing to wait for.
      profile(bystander, `minPosition=${position}&waitMs=300`),
    ]);
    expect(customer.status).toBe(503);
    expect(customer.body.error).toBe('projection_not_caught_up');
    expect(customer.body.details).toEqual([
      { path: 'minPosition', message: expect.stringContaining(String(position)) as unknown },
    ]);
    expect(customer.ms).toBeGreaterThanOrEqual(290);
    expect(list.status).toBe(503);
    expect(list.body.error).toBe('projection_not_caught_up');
    // Without minPosition the answer comes at once, and it is stale: that is what minPosition is for.
    expect(plain.status).toBe(200);
    expect(plain.body.touchpoints).toBe((sentCount.get(writer) ?? 0) - 1);
    expect(other.status).toBe(200);
    expect(other.body.touchpoints).toBe(sentCount.get(bystander));

    projector = await startService('projector', env, 'projector (restarted)');
    const [fresh, freshList] = await Promise.all([
      profile(writer, `minPosition=${position}&waitMs=${MAX_WAIT_MS}`),
      listAll(`minPosition=${position}&waitMs=${MAX_WAIT_MS}`),
    ]);
    expect(fresh.status).toBe(200);
    expect(fresh.body.touchpoints).toBe(sentCount.get(writer));
    expect(freshList.status).toBe(200);
    expect(freshList.items.get(writer)).toBe(sentCount.get(writer));

    timings.push(
      `projector stopped: 503 after ${customer.ms.toFixed(0)} ms (waitMs=300); ` +
        `after the restart the write was visible in ${fresh.ms.toFixed(0)} ms`,
    );
  });
});
