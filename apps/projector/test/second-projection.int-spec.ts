import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { TOPICS } from '@cx/contracts';
import {
  CHANNELS,
  categoryOf,
  deriveProfiles,
  type Channel,
  type Touchpoint,
  type TouchpointBase,
} from '@cx/domain';
import { EventStore, PersonalDataCipher, type AppendStatus } from '@cx/event-store';
import { createKafka, OutboxRelay } from '@cx/messaging';
import {
  createStatements,
  ProjectionEngine,
  rebuildProjections,
  type Projection,
  type ProjectionOutcome,
  type TableSchema,
} from '@cx/read-models';
import {
  createScratchDatabase,
  type ScratchDatabase,
} from '../../../test/support/scratch-database';
import { until } from '../../../test/support/eventually';
import { kafkaBrokers } from '../../../test/support/stack';
import { TouchpointConsumer } from '../src/consumer/touchpoint-consumer.service';
import { customerProfileProjection } from '../src/projections/customer-profile/customer-profile.projection';

jest.setTimeout(240_000);

/**
 * "Adding a projection is adding a folder and registering it": a second projection, defined here
 * and nowhere else, is kept live by the unchanged engine fed through the real path (event store →
 * outbox relay → Kafka → consumer → engine), survives redeliveries, and rebuilds alone or with
 * the others to exactly its live tables.
 *
 * Isolation: `cx.touchpoints.v1` is the one topic the consumer reads, and other suites of the run
 * publish to it too. The group is this run's own and its offsets are recorded at the log's end
 * before it starts, so the engine skips what was there before; everything this file appends
 * carries the `run` prefix, the toy counts only those customers, and the profile and ledger
 * comparisons look at them alone.
 */
const run = `toy${randomBytes(4).toString('hex')}`;
const GROUP = `projector.second-projection.${run}`;
const TOPIC = TOPICS.touchpoints;
const RELAY_CHECKPOINT = `kafka:${TOPIC}`;
const ours = (t: Touchpoint): boolean => t.customerId.startsWith(`${run}-`);

/** The toy's one table, declared once: by the "migration" below and by the rebuild's copy. */
const TOY_CHANNEL_COUNTS: TableSchema = {
  name: 'toy_channel_counts',
  columns: ['channel     TEXT NOT NULL', 'touchpoints BIGINT NOT NULL'],
  primaryKey: ['channel'],
  // Not needed by anything: there so that the rebuild's index copy and rename are exercised too.
  indexes: [{ name: 'toy_channel_counts_touchpoints_idx', columns: 'touchpoints' }],
};

/**
 * The second projection: touchpoints per channel, by increments. Unlike the profiles it does not
 * recompute from the ledger, so a touchpoint handed to it twice would be counted twice: it relies
 * on the engine (and the rebuild) handing it each touchpoint exactly once.
 */
function touchpointsPerChannel(handles: (t: Touchpoint) => boolean): Projection {
  return {
    name: 'touchpoints-per-channel',
    tables: [TOY_CHANNEL_COUNTS],
    handles,
    async apply(batch, touchpoints): Promise<ProjectionOutcome> {
      const counts = new Map<string, number>();
      for (const { touchpoint } of touchpoints) {
        counts.set(touchpoint.channel, (counts.get(touchpoint.channel) ?? 0) + 1);
      }
      // Every partition's batch runs in its own transaction and they all update these few rows:
      // taking the row locks in one order keeps concurrent batches from deadlocking.
      const channels = [...counts.keys()].sort();
      await batch.client.query(
        `INSERT INTO ${batch.table(TOY_CHANNEL_COUNTS.name)} AS c (channel, touchpoints)
         SELECT channel, n FROM unnest($1::text[], $2::bigint[]) WITH ORDINALITY AS t(channel, n, ord)
          ORDER BY ord
         ON CONFLICT (channel) DO UPDATE SET touchpoints = c.touchpoints + EXCLUDED.touchpoints`,
        [channels, channels.map((channel) => counts.get(channel) ?? 0)],
      );
      return {};
    },
  };
}

/** Deterministic pseudo-random numbers (xorshift32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

let sequence = 0;

/** `count` valid touchpoints of `customers` customers of this run, over every channel. */
function generate(customers: number, count: number, seed: number): Touchpoint[] {
  const next = random(seed);
  const pick = (n: number): number => Math.floor(next() * n);
  const out: Touchpoint[] = [];
  for (let i = 0; i < count; i += 1) {
    sequence += 1;
    // Every channel at least once, then at random.
    const channel: Channel = CHANNELS[i < CHANNELS.length ? i : pick(CHANNELS.length)] ?? 'web';
    const base: TouchpointBase = {
      touchpointId: `${run}-t${String(sequence).padStart(5, '0')}`,
      customerId: `${run}-c${String(pick(customers)).padStart(3, '0')}`,
      occurredAt: new Date(Date.UTC(2025, 0, 1) + sequence * 3_600_000).toISOString(),
      channel,
      category: categoryOf(channel),
      sentiment: Math.round((next() * 2 - 1) * 100) / 100,
    };
    const kind = pick(6);
    if (kind === 0) out.push({ ...base, interaction: 'exposure' });
    else if (kind === 1) out.push({ ...base, interaction: 'evaluation' });
    else if (kind === 2) {
      out.push({
        ...base,
        interaction: 'purchase',
        value: { amount: 10 + pick(90), currency: 'EUR' },
      });
    } else if (kind === 3) {
      out.push({
        ...base,
        interaction: 'survey_response',
        survey: { nps: pick(11), csat: 1 + pick(5) },
      });
    } else if (kind === 4) {
      // Personal data: sealed in the store and on the topic, never in a read model.
      out.push({ ...base, interaction: 'feedback', text: `note ${sequence}` });
    } else {
      const complaintId = `${run}-cmp${sequence}`;
      out.push({ ...base, interaction: 'complaint_opened', complaintId, reason: 'billing' });
    }
  }
  return out;
}

/** Each touchpoint once (first occurrence), as the store keeps them. */
function distinct(list: readonly Touchpoint[]): Touchpoint[] {
  const seen = new Map<string, Touchpoint>();
  for (const t of list) if (!seen.has(t.touchpointId)) seen.set(t.touchpointId, t);
  return [...seen.values()];
}

/** The oracle: counts per channel computed from the touchpoints themselves. */
function countsPerChannel(list: readonly Touchpoint[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const t of distinct(list)) counts[t.channel] = (counts[t.channel] ?? 0) + 1;
  return counts;
}

describe('a second projection, registered beside the profiles (real Postgres and Kafka)', () => {
  let db: ScratchDatabase;
  let kafka: Kafka;
  let store: EventStore;
  let engine: ProjectionEngine;
  let consumer: TouchpointConsumer | null = null;
  let relay: OutboxRelay | null = null;
  /** Only this file's customers: the shared topic may carry other suites' touchpoints. */
  const toy = touchpointsPerChannel(ours);
  /** What the projector would run once the toy is registered beside the profiles. */
  const registry: readonly Projection[] = [customerProfileProjection, toy];
  /** Every touchpoint appended so far, duplicates included, in append order. */
  const appended: Touchpoint[] = [];
  /** The offsets recorded for the group before it started: the log's end at that moment. */
  let startOffsets = new Map<number, string>();

  const startConsumer = async (): Promise<void> => {
    consumer = new TouchpointConsumer(kafka, engine, {
      group: GROUP,
      chunkSize: 40,
      concurrency: 3,
      sessionTimeoutMs: 10_000,
    });
    await consumer.start();
  };

  const stopConsumer = async (): Promise<void> => {
    await consumer?.stop();
    consumer = null;
  };

  const startRelay = async (): Promise<void> => {
    relay = new OutboxRelay({ pool: db.pool, kafka, batchSize: 60, pollIntervalMs: 500 });
    await relay.start();
  };

  const stopRelay = async (): Promise<void> => {
    await relay?.stop();
    relay = null;
  };

  const relayCaughtUp = async (): Promise<void> => {
    await until('the relay to publish every stored event', async () => {
      const status = await relay?.status();
      return status?.active === true && status.behind === 0;
    });
  };

  const logEnds = async (): Promise<Map<number, string>> => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(TOPIC);
      return new Map(offsets.map((o) => [o.partition, o.high]));
    } finally {
      await admin.disconnect();
    }
  };

  /** Resolves once the group's recorded offset of every partition is at least `target`'s. */
  const consumedUpTo = async (what: string, target: Map<number, string>): Promise<void> => {
    await until(
      what,
      async () => {
        const recorded = await engine.allOffsets(TOPIC);
        return [...target].every(
          ([partition, offset]) => BigInt(recorded.get(partition) ?? '-1') >= BigInt(offset),
        );
      },
      120_000,
      100,
    );
  };

  /** Appends, checks every status against what the store already held, remembers the list. */
  const append = async (list: readonly Touchpoint[]): Promise<void> => {
    const known = new Set(appended.map((t) => t.touchpointId));
    const expected: AppendStatus[] = list.map((t) => {
      const status = known.has(t.touchpointId) ? 'duplicate' : 'accepted';
      known.add(t.touchpointId);
      return status;
    });
    const results = await store.append(list);
    expect(results.map((r) => r.status)).toEqual(expected);
    appended.push(...list);
  };

  const waitApplied = async (): Promise<void> => {
    const ids = distinct(appended).map((t) => t.touchpointId);
    await until(
      `${ids.length} touchpoints in the applied-touchpoints ledger`,
      async () => {
        const { rows } = await db.pool.query<{ n: string }>(
          'SELECT count(*) AS n FROM projection_touchpoints WHERE touchpoint_id = ANY($1::text[])',
          [ids],
        );
        return Number(rows[0]?.n) === ids.length;
      },
      120_000,
      100,
    );
  };

  const toyTable = async (): Promise<Record<string, number>> => {
    const { rows } = await db.pool.query<{ channel: string; touchpoints: string }>(
      `SELECT channel, touchpoints FROM ${TOY_CHANNEL_COUNTS.name} ORDER BY channel`,
    );
    return Object.fromEntries(rows.map((r) => [r.channel, Number(r.touchpoints)]));
  };

  /** This run's rows of the profiles table, every column (`updated_at` unless told otherwise). */
  const profileRows = async (withUpdatedAt: boolean): Promise<Record<string, unknown>[]> => {
    const { rows } = await db.pool.query<Record<string, unknown>>(
      `SELECT customer_id, profile, stage_history, stage, phase, status, emotion_level,
              emotion_score, loyalty_side, loyalty_position, touchpoints, last_position
              ${withUpdatedAt ? ', updated_at' : ''}
         FROM customer_profiles WHERE customer_id LIKE $1 ORDER BY customer_id`,
      [`${run}-%`],
    );
    return rows;
  };

  const ledgerRows = async (): Promise<Record<string, unknown>[]> => {
    const { rows } = await db.pool.query<Record<string, unknown>>(
      `SELECT touchpoint_id, customer_id, position, payload FROM projection_touchpoints
        WHERE customer_id LIKE $1 ORDER BY touchpoint_id`,
      [`${run}-%`],
    );
    return rows;
  };

  const storedEvents = async (): Promise<number> => {
    const { rows } = await db.pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM touchpoint_events',
    );
    return Number(rows[0]?.n);
  };

  /** Both projections against their oracles: counts from the touchpoints, profiles from the domain. */
  const expectLiveEqualsOracle = async (): Promise<void> => {
    expect(await toyTable()).toEqual(countsPerChannel(appended));
    const expected = deriveProfiles(distinct(appended)).profiles;
    const rows = await profileRows(false);
    expect(rows.map((r) => r.customer_id)).toEqual(expected.map((p) => p.customerId));
    expect(rows.map((r) => r.profile)).toEqual(JSON.parse(JSON.stringify(expected)));
  };

  beforeAll(async () => {
    Logger.overrideLogger(['error', 'warn']);
    db = await createScratchDatabase('cx_toy');
    // As the projection's migration would: from the very declaration the rebuild uses.
    for (const statement of createStatements(TOY_CHANNEL_COUNTS)) await db.pool.query(statement);
    store = new EventStore(
      db.pool,
      new PersonalDataCipher(db.keyPool, { masterKey: randomBytes(32).toString('base64') }),
    );
    kafka = createKafka(kafkaBrokers(), `cx-second-projection-${run}`, { logLevel: 'error' });
    engine = new ProjectionEngine(db.pool, GROUP, registry);

    // The group starts at the log's current end: messages other suites left on the shared topic
    // are below the recorded offsets, which the engine skips (and the consumer seeks past).
    startOffsets = await logEnds();
    for (const [partition, offset] of startOffsets) {
      await db.pool.query(
        `INSERT INTO projection_offsets (consumer_group, topic, partition, next_offset)
         VALUES ($1, $2, $3, $4)`,
        [GROUP, TOPIC, partition, offset],
      );
    }
    await startConsumer();
    await startRelay();
  });

  afterAll(async () => {
    await stopConsumer();
    await stopRelay();
    await db?.drop();
  });

  it('keeps the new projection live from the real stream, each touchpoint counted once', async () => {
    const all = generate(60, 360, 7);
    for (let i = 0; i < all.length; i += 45) {
      const batch = all.slice(i, i + 45);
      // Some touchpoints twice in one request (the second one is reported as a duplicate)…
      await append([...batch, ...batch.filter((_, j) => j % 9 === 0)]);
      // …and every third request retried as a whole, plus a few of the previous request's.
      if ((i / 45) % 3 === 1) await append(batch);
      if (i > 0) await append(all.slice(i - 5, i + 2));
    }
    expect(distinct(appended)).toHaveLength(all.length);
    expect(appended.length).toBeGreaterThan(all.length);
    expect(await storedEvents()).toBe(all.length);

    await waitApplied();
    await expectLiveEqualsOracle();
    expect(Object.keys(await toyTable())).toHaveLength(CHANNELS.length);
  });

  it('does not count again what the consumer reads twice after its offsets were rewound', async () => {
    const before = await toyTable();
    const ledger = await ledgerRows();
    await relayCaughtUp();
    const reached = await engine.allOffsets(TOPIC);
    // Every message of this file on the topic is redelivered: the engine must skip them all.
    expect([...reached].some(([p, offset]) => offset !== startOffsets.get(p))).toBe(true);

    await stopConsumer();
    await db.pool.query(
      `UPDATE projection_offsets SET next_offset = (
         SELECT o.next_offset FROM unnest($2::int[], $3::bigint[]) AS o(partition, next_offset)
          WHERE o.partition = projection_offsets.partition)
        WHERE consumer_group = $1 AND topic = $4`,
      [GROUP, [...startOffsets.keys()], [...startOffsets.values()], TOPIC],
    );
    expect(await engine.allOffsets(TOPIC)).toEqual(startOffsets);
    await startConsumer();
    await consumedUpTo('the rewound partitions to be read again', reached);

    expect(await toyTable()).toEqual(before);
    expect(await ledgerRows()).toEqual(ledger);
    await expectLiveEqualsOracle();
  });

  it('does not count again what the relay publishes twice after losing its checkpoint', async () => {
    const before = await toyTable();
    const ledger = await ledgerRows();
    await relayCaughtUp();
    const ends = await logEnds();

    // A relay that crashed between sending and moving its checkpoint sends everything again.
    await stopRelay();
    await db.pool.query('UPDATE relay_checkpoints SET position = 0 WHERE name = $1', [
      RELAY_CHECKPOINT,
    ]);
    await startRelay();
    await relayCaughtUp();
    const republished = await logEnds();
    const sum = (m: Map<number, string>): number =>
      [...m.values()].reduce((total, offset) => total + Number(offset), 0);
    // New copies under new offsets: only the ledger can tell they are not new.
    expect(sum(republished) - sum(ends)).toBeGreaterThanOrEqual(await storedEvents());
    await consumedUpTo('the republished copies to be consumed', republished);

    expect(await toyTable()).toEqual(before);
    expect(await ledgerRows()).toEqual(ledger);
    await expectLiveEqualsOracle();
  });

  it('rebuilds only the new projection to exactly its live table, leaving the profiles alone', async () => {
    const liveToy = await toyTable();
    const liveProfiles = await profileRows(true);
    const liveLedger = await ledgerRows();

    const result = await rebuildProjections(db.pool, registry, [toy]);

    expect(result).toMatchObject({
      projections: ['touchpoints-per-channel'],
      events: await storedEvents(),
      customers: liveProfiles.length,
      aheadOfLive: 0,
    });
    expect(await toyTable()).toEqual(liveToy);
    // Not rewritten at all: `updated_at` included.
    expect(await profileRows(true)).toEqual(liveProfiles);
    expect(await ledgerRows()).toEqual(liveLedger);
  });

  it('rebuilds every projection to the same tables', async () => {
    const liveToy = await toyTable();
    const liveProfiles = await profileRows(false);
    const liveLedger = await ledgerRows();

    const result = await rebuildProjections(db.pool, registry, registry);

    expect(result.projections).toEqual(registry.map((p) => p.name));
    expect(await toyTable()).toEqual(liveToy);
    expect(await profileRows(false)).toEqual(liveProfiles);
    expect(await ledgerRows()).toEqual(liveLedger);
    await expectLiveEqualsOracle();
    const { rows: copies } = await db.pool.query<{ tablename: string }>(
      `SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE '%\\_rebuild'`,
    );
    expect(copies).toEqual([]);
    const { rows: indexes } = await db.pool.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname`,
      [TOY_CHANNEL_COUNTS.name],
    );
    expect(indexes.map((i) => i.indexname)).toEqual([
      'toy_channel_counts_pkey',
      'toy_channel_counts_touchpoints_idx',
    ]);
  });

  it('keeps counting live into the rebuilt tables', async () => {
    const more = generate(80, 120, 11);
    await append(more);
    // Retries of old and new touchpoints alike.
    await append([...more.slice(0, 10), ...appended.slice(0, 10)]);
    await waitApplied();
    await expectLiveEqualsOracle();
    expect(await storedEvents()).toBe(distinct(appended).length);
  });
});
