import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { Kafka } from 'kafkajs';
import { TOPICS } from '@cx/contracts';
import type { Touchpoint } from '@cx/domain';
import { createKafka } from '@cx/messaging';
import { eventually } from '../support/eventually';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { kafkaBrokers } from '../support/stack';
import { journeys, sendBatches, shuffledWithDuplicates } from '../projector/support/journeys';
import {
  distMain,
  startService,
  stopService,
  type RunningService,
} from '../projector/support/services';

const run = promisify(execFile);
jest.setTimeout(300_000);

/** What a reader of the topic holds for one key after folding: the last value and its headers. */
interface Folded {
  readonly value: string;
  readonly headers: Record<string, string>;
}

/** The last message of a key, a tombstone included. */
interface LastMessage {
  readonly value: string | null;
  readonly headers: Record<string, string>;
}

interface TopicFold {
  /** Key → latest profile; a tombstone removed the key. */
  readonly profiles: Map<string, Folded>;
  readonly last: Map<string, LastMessage>;
  /** Messages read for keys of this file. */
  readonly messages: number;
}

/**
 * `cx.customer-profiles.v1` from the consumer's side: a plain kafkajs consumer reads it from the
 * start to its end offsets, folds it by key (last value wins, a tombstone removes the key), and
 * holds exactly the read model's profiles, through duplicates, an erasure and a projector killed
 * with SIGKILL mid-stream.
 *
 * Isolation: the broker's topics are shared by the suites of a run, and this file's projector (its
 * own database and group) also projects what other suites left on `cx.touchpoints.v1`; only keys
 * with this run's prefix are compared.
 */
describe('the compacted profile stream (e2e)', () => {
  const RUN = randomBytes(4).toString('hex');
  const PREFIX = `ps${RUN}`;
  const ours = (key: string): boolean => key.startsWith(`${PREFIX}-`);
  let db: ScratchDatabase;
  let kafka: Kafka;
  let env: Record<string, string>;
  let ingestion: RunningService;
  let query: RunningService;
  let projector: RunningService;
  const services: RunningService[] = [];
  let reads = 0;

  const start = async (app: string, name = app): Promise<RunningService> => {
    const service = await startService(app, env, name);
    services.push(service);
    return service;
  };

  const appliedCount = async (ids: readonly string[]): Promise<number> => {
    const { rows } = await db.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM projection_touchpoints WHERE touchpoint_id = ANY($1::text[])',
      [ids],
    );
    return Number(rows[0]?.n ?? 0);
  };

  const waitApplied = async (list: readonly Touchpoint[]): Promise<void> => {
    const ids = [...new Set(list.map((t) => t.touchpointId))];
    await eventually(
      `${ids.length} touchpoints in the read model`,
      async () => ((await appliedCount(ids)) === ids.length ? true : undefined),
      180_000,
      200,
    );
  };

  /** The profile relay has published every outbox row committed so far; its head position. */
  const profilesPublished = (): Promise<number> =>
    eventually(
      'the profile relay to publish everything',
      async () => {
        const body = (await (await fetch(`${projector.url}/health/ready`)).json()) as {
          profileRelay?: { behind: number; headPosition: number } | null;
        };
        return body.profileRelay?.behind === 0 ? body.profileRelay.headPosition : undefined;
      },
      120_000,
      100,
    );

  /** Reads the whole topic from the start to the end offsets of this moment, folded by key. */
  const readTopic = async (): Promise<TopicFold> => {
    const admin = kafka.admin();
    await admin.connect();
    const ends = new Map<number, bigint>();
    try {
      for (const p of await admin.fetchTopicOffsets(TOPICS.customerProfiles)) {
        if (BigInt(p.high) > BigInt(p.low)) ends.set(p.partition, BigInt(p.high));
      }
    } finally {
      await admin.disconnect();
    }
    const profiles = new Map<string, Folded>();
    const last = new Map<string, LastMessage>();
    let messages = 0;
    reads += 1;
    const consumer = kafka.consumer({ groupId: `profile-stream-e2e-${RUN}-${reads}` });
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [TOPICS.customerProfiles], fromBeginning: true });
      const pending = new Set(ends.keys());
      let done: () => void = () => undefined;
      const finished = new Promise<void>((resolve) => (done = resolve));
      if (pending.size === 0) done();
      await consumer.run({
        eachMessage: ({ partition, message }) => {
          const end = ends.get(partition);
          if (end === undefined || BigInt(message.offset) >= end) return Promise.resolve();
          const key = message.key?.toString('utf8') ?? '';
          if (ours(key)) {
            messages += 1;
            const headers: Record<string, string> = {};
            for (const [name, value] of Object.entries(message.headers ?? {})) {
              if (value !== undefined) headers[name] = value.toString();
            }
            const value = message.value === null ? null : message.value.toString('utf8');
            last.set(key, { value, headers });
            if (value === null) profiles.delete(key);
            else profiles.set(key, { value, headers });
          }
          if (BigInt(message.offset) + 1n >= end) {
            pending.delete(partition);
            if (pending.size === 0) done();
          }
          return Promise.resolve();
        },
      });
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          finished,
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error('the topic was not read to its end')),
              120_000,
            );
          }),
        ]);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      await consumer.disconnect();
    }
    return { profiles, last, messages };
  };

  /** The read model's profiles of this run (erased customers excepted), as stored. */
  const readModel = async (): Promise<Map<string, { profile: string; position: string }>> => {
    const { rows } = await db.pool.query<{
      customer_id: string;
      profile: string;
      last_position: string;
    }>(
      `SELECT p.customer_id, p.profile::text AS profile, p.last_position FROM customer_profiles p
        WHERE p.customer_id LIKE $1
          AND NOT EXISTS (SELECT 1 FROM customer_erasures e
                           WHERE e.customer_id = p.customer_id AND e.readmitted_at IS NULL)
        ORDER BY p.customer_id`,
      [`${PREFIX}-%`],
    );
    return new Map(
      rows.map((r) => [r.customer_id, { profile: r.profile, position: r.last_position }]),
    );
  };

  /** The folded topic equals the read model: same keys, same bytes, the profile's position. */
  const expectTopicEqualsReadModel = async (): Promise<TopicFold> => {
    await profilesPublished();
    const fold = await readTopic();
    const expected = await readModel();
    expect([...fold.profiles.keys()].sort()).toEqual([...expected.keys()]);
    for (const [customerId, { profile, position }] of expected) {
      const folded = fold.profiles.get(customerId);
      expect(folded?.value).toBe(profile);
      expect(folded?.headers).toEqual({
        'content-type': 'application/json',
        cx_position: position,
      });
    }
    return fold;
  };

  /** The same profiles as the query API answers them, byte for byte. */
  const expectTopicEqualsApi = async (fold: TopicFold): Promise<void> => {
    for (const [customerId, folded] of fold.profiles) {
      const response = await fetch(`${query.url}/v1/customers/${customerId}`);
      expect(response.status).toBe(200);
      const body = await response.text();
      expect(body).toBe(folded.value);
      expect(JSON.parse(folded.value)).toEqual(JSON.parse(body));
    }
  };

  beforeAll(async () => {
    distMain('projector');
    db = await createScratchDatabase('cx_pstream');
    env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers(),
      PROJECTOR_GROUP: `projector.profile-stream-${RUN}`,
      PROJECTOR_CHUNK: '100',
      PROJECTOR_SESSION_TIMEOUT_MS: '6000',
    };
    kafka = createKafka(kafkaBrokers(), `profile-stream-e2e-${RUN}`, { logLevel: 'error' });
    ingestion = await start('ingestion');
    query = await start('query');
    projector = await start('projector', 'projector-1');
  });

  afterAll(async () => {
    for (const service of services) await stopService(service, 'SIGKILL');
    await db?.drop();
  });

  it('holds exactly the read model: shuffled with duplicates, erased, projector killed mid-stream', async () => {
    // 1. A few hundred touchpoints of 50 customers, shuffled, some sent twice; a quarter held back.
    const all = journeys(PREFIX, 50, 600, 23);
    const early = all.filter((_, i) => i % 4 !== 1);
    const late = all.filter((_, i) => i % 4 === 1);
    await sendBatches(ingestion.url, shuffledWithDuplicates(early, 3, 0.2), 100);
    await waitApplied(early);
    const afterFirst = await expectTopicEqualsReadModel();
    expect(afterFirst.profiles.size).toBe(new Set(early.map((t) => t.customerId)).size);
    expect(afterFirst.profiles.size).toBeGreaterThan(40);
    // Published at least once per change: more messages than customers.
    expect(afterFirst.messages).toBeGreaterThan(afterFirst.profiles.size);
    await expectTopicEqualsApi(afterFirst);

    // 2. An erasure: a tombstone, and the fold drops the customer.
    const erased = [...afterFirst.profiles.keys()].sort()[0] ?? '';
    const erasure = await fetch(`${query.url}/v1/customers/${erased}`, { method: 'DELETE' });
    expect(erasure.status).toBe(201);
    const receipt = (await erasure.json()) as { erasedAt: string };
    const afterErasure = await expectTopicEqualsReadModel();
    expect(afterErasure.profiles.has(erased)).toBe(false);
    expect(afterErasure.last.get(erased)).toEqual({
      value: null,
      headers: { cx_erased_at: receipt.erasedAt },
    });
    // The read model keeps the (non-personal) profile: the stream leaves erased customers out.
    expect((await fetch(`${query.url}/v1/customers/${erased}`)).status).toBe(200);

    // 3. The held-back touchpoints and 30 new customers, while the projector is killed.
    const second = [...late, ...journeys(`${PREFIX}-b`, 30, 400, 24)].filter(
      (t) => t.customerId !== erased,
    );
    const sending = sendBatches(ingestion.url, shuffledWithDuplicates(second, 4, 0.2), 50);
    const ids = second.map((t) => t.touchpointId);
    await eventually(
      'the projector to be half-way through',
      async () => ((await appliedCount(ids)) > ids.length / 4 ? true : undefined),
      120_000,
      20,
    );
    await stopService(projector, 'SIGKILL');
    await sending;
    projector = await start('projector', 'projector-2');
    await waitApplied(second);
    const afterKill = await expectTopicEqualsReadModel();
    expect(afterKill.profiles.size).toBe(
      new Set([...all, ...second].map((t) => t.customerId).filter((c) => c !== erased)).size,
    );
    expect(afterKill.profiles.has(erased)).toBe(false);
    await expectTopicEqualsApi(afterKill);

    // 4. A rebuild that finds the same profiles publishes nothing; one that corrects a drifted
    // row publishes the correction at its switch-over.
    const rebuild = (): Promise<unknown> =>
      run(process.execPath, [distMain('cli'), 'projections', 'rebuild', 'customer-profiles'], {
        env: { ...process.env, DATABASE_URL: db.url },
      });
    const head = await profilesPublished();
    await rebuild();
    expect(await profilesPublished()).toBe(head);
    const drifted = [...afterKill.profiles.keys()].sort()[1] ?? '';
    await db.pool.query(
      `UPDATE customer_profiles SET profile = '{"drifted":true}' WHERE customer_id = $1`,
      [drifted],
    );
    await rebuild();
    expect(await profilesPublished()).toBeGreaterThan(head);
    const afterRebuild = await expectTopicEqualsReadModel();
    // The one drifted customer, published once more; nothing for the others.
    expect(afterRebuild.messages).toBe(afterKill.messages + 1);
    expect(afterRebuild.profiles.get(drifted)?.value).toBe(afterKill.profiles.get(drifted)?.value);

    // Operators see the relay where they see the insight relay: in the projector's metrics.
    const metrics = await (await fetch(`${projector.url}/metrics`)).text();
    const series = (name: string): number =>
      Number(
        new RegExp(`^${name}\\{[^}]*topic="${TOPICS.customerProfiles}"[^}]*\\} (\\S+)$`, 'm').exec(
          metrics,
        )?.[1] ?? Number.NaN,
      );
    expect(series('cx_relay_published_events_total')).toBeGreaterThan(0);
    expect(series('cx_relay_lag_events')).toBe(0);
  });
});
