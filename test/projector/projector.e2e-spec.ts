import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Partitioners, type Kafka } from 'kafkajs';
import { Pool } from 'pg';
import type { Touchpoint } from '@cx/domain';
import { TOPICS } from '@cx/contracts';
import { toTouchpointMessage, type TouchpointRecordedV1 } from '@cx/contracts';
import { createKafka } from '@cx/messaging';
import { databaseUrl, kafkaBrokers } from '../support/stack';
import {
  expectedReadModel,
  journeys,
  sendBatches,
  shuffledWithDuplicates,
} from './support/journeys';
import { distMain, startService, stopService, type RunningService } from './support/services';
import { eventually } from '../support/eventually';

const run = promisify(execFile);
jest.setTimeout(240_000);

/**
 * The whole pipeline as deployed: ingestion (HTTP → event store → relay → Kafka) and projector
 * processes built in dist/, real Kafka and Postgres. Every read model is compared with what the
 * domain library computes from the same events.
 */
describe('projector (e2e)', () => {
  let pool: Pool;
  let kafka: Kafka;
  let env: Record<string, string>;
  let ingestion: RunningService;
  const projectors: RunningService[] = [];
  /** Every touchpoint sent so far (each once), the oracle's input. */
  const sent: Touchpoint[] = [];

  const startProjector = async (name: string): Promise<RunningService> => {
    const service = await startService('projector', env, name);
    projectors.push(service);
    return service;
  };

  const appliedCount = async (ids: readonly string[]): Promise<number> => {
    const { rows } = await pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM projection_touchpoints WHERE touchpoint_id = ANY($1::text[])',
      [ids],
    );
    return Number(rows[0]?.n ?? 0);
  };

  const waitApplied = async (list: readonly Touchpoint[], timeoutMs = 120_000): Promise<void> => {
    const ids = [...new Set(list.map((t) => t.touchpointId))];
    await eventually(
      `${ids.length} touchpoints in the read model`,
      async () => ((await appliedCount(ids)) === ids.length ? true : undefined),
      timeoutMs,
      200,
    );
  };

  const relayCaughtUp = async (): Promise<void> => {
    await eventually('the ingestion relay to publish everything', async () => {
      const body = (await (await fetch(`${ingestion.url}/health/ready`)).json()) as {
        relay: { behind: number } | null;
      };
      return body.relay?.behind === 0 ? true : undefined;
    });
  };

  /** Every customer's profile and stage history equal the domain's, computed from `sent`. */
  const expectReadModelsEqualDomain = async (): Promise<void> => {
    const expected = expectedReadModel(sent);
    const { rows } = await pool.query<{
      customer_id: string;
      profile: unknown;
      stage_history: unknown;
    }>(
      'SELECT customer_id, profile, stage_history FROM customer_profiles WHERE customer_id = ANY($1::text[])',
      [[...expected.profiles.keys()]],
    );
    expect(rows).toHaveLength(expected.profiles.size);
    for (const row of rows) {
      expect(row.profile).toEqual(
        JSON.parse(JSON.stringify(expected.profiles.get(row.customer_id))),
      );
      expect(row.stage_history).toEqual(
        JSON.parse(JSON.stringify(expected.stageHistories.get(row.customer_id))),
      );
    }
  };

  beforeAll(async () => {
    distMain('projector');
    env = {
      DATABASE_URL: databaseUrl(),
      KAFKA_BROKERS: kafkaBrokers(),
      PROJECTOR_CHUNK: '500',
      PROJECTOR_SESSION_TIMEOUT_MS: '6000',
    };
    pool = new Pool({ connectionString: databaseUrl(), max: 4 });
    kafka = createKafka(kafkaBrokers(), 'projector-e2e', { logLevel: 'error' });
    ingestion = await startService('ingestion', env);
  });

  afterAll(async () => {
    for (const p of projectors) await stopService(p, 'SIGKILL');
    if (ingestion) await stopService(ingestion);
    await pool?.end();
  });

  it('projects shuffled journeys with duplicates and late events exactly as the domain derives them', async () => {
    const projector = await startProjector('projector-1');
    const all = journeys('a', 300, 3000, 11);
    const late = all.filter((_, i) => i % 10 === 3);
    const onTime = all.filter((_, i) => i % 10 !== 3);
    await sendBatches(ingestion.url, shuffledWithDuplicates(onTime, 5, 0.15));
    sent.push(...onTime);
    await waitApplied(onTime);
    await expectReadModelsEqualDomain();

    // Late, out-of-order events for customers already projected: recomputed, not appended.
    await sendBatches(ingestion.url, shuffledWithDuplicates(late, 6, 0.1));
    sent.push(...late);
    await waitApplied(late);
    await expectReadModelsEqualDomain();
    expect(projector.child.exitCode).toBeNull();
  });

  it('ignores a redelivered touchpoint: nothing changes, nothing is published', async () => {
    const { rows: before } = await pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM insight_outbox',
    );
    const { rows: stored } = await pool.query<{
      position: string;
      recorded_at: Date;
      payload: Record<string, unknown>;
    }>(
      `SELECT position, recorded_at, payload FROM touchpoint_events WHERE customer_id LIKE 'a-%'
        ORDER BY position LIMIT 50`,
    );
    const offsetsBefore = await pool.query<{ total: string }>(
      'SELECT sum(next_offset) AS total FROM projection_offsets',
    );
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: TOPICS.touchpoints,
      messages: stored.map((r) =>
        toTouchpointMessage({
          ...r.payload,
          position: Number(r.position),
          recordedAt: r.recorded_at.toISOString(),
          personal: null,
        } as unknown as TouchpointRecordedV1),
      ),
    });
    await producer.disconnect();
    await eventually('the copies to be consumed', async () => {
      const { rows } = await pool.query<{ total: string }>(
        'SELECT sum(next_offset) AS total FROM projection_offsets',
      );
      return Number(rows[0]?.total) >= Number(offsetsBefore.rows[0]?.total) + stored.length
        ? true
        : undefined;
    });
    const { rows: after } = await pool.query<{ n: string }>(
      'SELECT count(*) AS n FROM insight_outbox',
    );
    expect(after[0]?.n).toBe(before[0]?.n);
    await expectReadModelsEqualDomain();
  });

  it('dead-letters a message it cannot parse, with the reason, and keeps the partition flowing', async () => {
    const key = `poison-${Date.now()}`;
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic: TOPICS.touchpoints,
      messages: [{ key, value: '{"not":"a touchpoint"}' }],
    });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: `projector-e2e-dlq-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPICS.touchpointsDeadLetter, fromBeginning: true });
    const found = new Promise<Record<string, string>>((resolve) => {
      void consumer.run({
        eachMessage: ({ message }) => {
          if (message.key?.toString() === key) {
            const headers: Record<string, string> = {};
            for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
            resolve(headers);
          }
          return Promise.resolve();
        },
      });
    });
    const headers = await found;
    await consumer.disconnect();
    expect(headers.cx_deadletter_reason).toEqual(expect.any(String));
    expect(headers.cx_original_topic).toBe(TOPICS.touchpoints);
    expect(headers.cx_original_offset).toMatch(/^\d+$/);
    // The partition keeps flowing: later touchpoints of a customer hashed anywhere are applied.
    const more = journeys('p', 20, 100, 12);
    await sendBatches(ingestion.url, more);
    sent.push(...more);
    await waitApplied(more);
  });

  it('survives SIGKILL in the middle of a large batch: every read model as if nothing happened', async () => {
    for (const p of projectors.splice(0)) await stopService(p);
    const phase = journeys('b', 400, 6000, 21);
    await sendBatches(ingestion.url, shuffledWithDuplicates(phase, 7, 0.1), 1000);
    sent.push(...phase);
    await relayCaughtUp();
    const ids = phase.map((t) => t.touchpointId);
    const victim = await startProjector('projector-2');
    const partial = await eventually(
      'a partly applied backlog',
      async () => {
        const n = await appliedCount(ids);
        return n > 0 ? n : undefined;
      },
      60_000,
      20,
    );
    await stopService(victim, 'SIGKILL');
    projectors.splice(projectors.indexOf(victim), 1);
    expect(partial).toBeLessThan(ids.length);
    await startProjector('projector-3');
    await waitApplied(phase);
    await expectReadModelsEqualDomain();
  });

  it('shares the work between two instances and loses nothing when one is killed', async () => {
    const second = await startProjector('projector-4');
    await eventually('both instances to hold partitions', async () => {
      const views = await Promise.all(
        projectors.map(
          async (p) =>
            (await (await fetch(`${p.url}/health/ready`)).json()) as {
              checks: { consumer: { partitions: number[] } };
            },
        ),
      );
      return views.every((v) => v.checks.consumer.partitions.length > 0) ? true : undefined;
    });
    const phase = journeys('c', 400, 6000, 31);
    const ids = phase.map((t) => t.touchpointId);
    const sending = sendBatches(ingestion.url, shuffledWithDuplicates(phase, 8, 0.1), 1000);
    await eventually(
      'a partly applied phase',
      async () => ((await appliedCount(ids)) > 0 ? true : undefined),
      60_000,
      20,
    );
    const victim = projectors.find((p) => p !== second);
    if (victim === undefined) throw new Error('no first instance');
    await stopService(victim, 'SIGKILL');
    projectors.splice(projectors.indexOf(victim), 1);
    await sending;
    sent.push(...phase);
    await waitApplied(phase);
    await expectReadModelsEqualDomain();
  });

  it('cx projections rebuild gives the same tables as live and switches over while the projector runs', async () => {
    const snapshot = async (): Promise<unknown[][]> => {
      const profiles = await pool.query(
        `SELECT customer_id, profile, stage_history, stage, phase, status, emotion_level, emotion_score,
                loyalty_side, loyalty_position, touchpoints, last_position
           FROM customer_profiles ORDER BY customer_id`,
      );
      const touchpoints = await pool.query(
        'SELECT touchpoint_id, customer_id, position, payload FROM projection_touchpoints ORDER BY touchpoint_id',
      );
      // The analytics' sums, cells a live batch brought back to zero left out.
      const cells = await pool.query(
        `SELECT * FROM analytics_answer_cells
          WHERE nps_answers + csat_answers + ces_answers > 0 ORDER BY grain, dim, slot, value`,
      );
      const counts = await pool.query(
        'SELECT * FROM analytics_stage_counts WHERE customers > 0 ORDER BY stage, status',
      );
      return [profiles.rows, touchpoints.rows, cells.rows, counts.rows];
    };
    const live = await snapshot();
    expect(live[2]?.length).toBeGreaterThan(0);
    const first = await run(process.execPath, [distMain('cli'), 'projections', 'rebuild'], {
      env: { ...process.env, DATABASE_URL: databaseUrl() },
    });
    const summary = JSON.parse(first.stdout) as { customers: number; projections: string[] };
    expect(summary.customers).toBeGreaterThan(0);
    expect(summary.projections).toEqual(['customer-profiles', 'experience-analytics']);
    expect(await snapshot()).toEqual(live);

    // One projection by name gives the same tables; an unknown name is refused and changes nothing.
    const named = await run(
      process.execPath,
      [distMain('cli'), 'projections', 'rebuild', 'customer-profiles'],
      { env: { ...process.env, DATABASE_URL: databaseUrl() } },
    );
    expect((JSON.parse(named.stdout) as { projections: string[] }).projections).toEqual([
      'customer-profiles',
    ]);
    expect(await snapshot()).toEqual(live);
    await expect(
      run(process.execPath, [distMain('cli'), 'projections', 'rebuild', 'no-such-model'], {
        env: { ...process.env, DATABASE_URL: databaseUrl() },
      }),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('no-such-model') as unknown,
    });

    // A rebuild while new events flow: the live projector's writes are merged at the switch-over.
    const phase = journeys('d', 100, 1500, 41);
    const sending = sendBatches(ingestion.url, phase, 100);
    await run(process.execPath, [distMain('cli'), 'projections', 'rebuild'], {
      env: { ...process.env, DATABASE_URL: databaseUrl() },
    });
    await sending;
    sent.push(...phase);
    await waitApplied(phase);
    await expectReadModelsEqualDomain();
  });

  it('reads a replaced topic from its start instead of trusting offsets of the old log', async () => {
    // A new cluster, or the topic deleted and created again, behind a database that kept its
    // offsets: they name messages of the old log and must not make the new one look applied.
    for (const p of projectors.splice(0)) await stopService(p);
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: [TOPICS.touchpoints] });
      await eventually('the old topic to be gone', async () =>
        (await admin.listTopics()).includes(TOPICS.touchpoints) ? undefined : true,
      );
      await admin.createTopics({
        topics: [{ topic: TOPICS.touchpoints, numPartitions: 6 }],
        waitForLeaders: true,
      });
    } finally {
      await admin.disconnect();
    }
    const { rows } = await pool.query<{ lowest: string }>(
      'SELECT min(next_offset) AS lowest FROM projection_offsets',
    );
    const phase = journeys('e', 20, 120, 53);
    // Far fewer messages per partition than the offsets recorded for the old log.
    expect(Number(rows[0]?.lowest)).toBeGreaterThan(phase.length);
    await sendBatches(ingestion.url, phase);
    sent.push(...phase);
    await startProjector('projector-after-replace');
    await waitApplied(phase);
    await expectReadModelsEqualDomain();
  });
});
