import { Partitioners } from 'kafkajs';
import { TOPICS } from '@cx/contracts';
import { chunks, messageOf, touchpoints } from '../data';
import { startService } from '../processes';
import type { StageRow } from '../report';
import type { Stack } from '../stack';
import { interleave, sleep } from '../stats';
import { measure, n, rateRow, type Measurement, type StageContext, type Work } from './common';

const REFERENCE_TABLES = `
  CREATE TABLE IF NOT EXISTS bench_ref_customers (
    customer_id TEXT PRIMARY KEY, events INT NOT NULL, last_position BIGINT NOT NULL, last_event JSONB NOT NULL);
  CREATE TABLE IF NOT EXISTS bench_ref_offsets (
    group_id TEXT NOT NULL, partition INT NOT NULL, next_offset BIGINT NOT NULL,
    PRIMARY KEY (group_id, partition));
  TRUNCATE bench_ref_customers, bench_ref_offsets`;

const UPSERT = `
  INSERT INTO bench_ref_customers (customer_id, events, last_position, last_event)
  SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::jsonb[])
  ON CONFLICT (customer_id) DO UPDATE
     SET events = bench_ref_customers.events + EXCLUDED.events,
         last_position = GREATEST(bench_ref_customers.last_position, EXCLUDED.last_position),
         last_event = EXCLUDED.last_event`;

async function prefill(stack: Stack, events: number, customers: number): Promise<void> {
  const admin = stack.kafka.admin();
  await admin.connect();
  const offsets = await admin
    .fetchTopicOffsets(TOPICS.touchpoints)
    .finally(() => admin.disconnect());
  if (offsets.some((o) => o.high !== o.low)) await stack.resetTouchpointTopic();
  const producer = stack.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const list = touchpoints('p', 0, events, customers);
    for (const [k, part] of chunks(list, 5000).entries()) {
      const messages = part.map((tp, i) => messageOf(tp, k * 5000 + i + 1));
      await producer.send({ topic: TOPICS.touchpoints, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Waits until the ledger holds `events` rows; times from the first applied row. */
async function timeApplied(stack: Stack, events: number): Promise<Work> {
  let first: { at: number; count: number } | null = null;
  for (const deadline = Date.now() + 600_000; Date.now() < deadline; await sleep(50)) {
    const { rows } = await stack.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM projection_touchpoints',
    );
    const count = rows[0]?.n ?? 0;
    const now = performance.now();
    if (count > 0 && first === null) first = { at: now, count };
    if (first !== null && count >= events) {
      if (first.count >= events) throw new Error('all applied at the first look: raise N');
      return { units: events - first.count, seconds: (now - first.at) / 1000 };
    }
  }
  throw new Error(`the projector did not apply ${events} events within 10 minutes`);
}

/**
 * 4. The topic holds N messages; the built projector (a new group each run, empty read models)
 * catches up, timed from its first applied event to the last; against a raw kafkajs `eachBatch`
 * loop doing one coalesced upsert per batch into a per-customer table, its offsets recorded in
 * the same transaction, three partitions at a time like the projector.
 */
export async function projectorStage(ctx: StageContext): Promise<StageRow[]> {
  const { stack, settings, log } = ctx;
  const { events, customers, reps } = settings.projector;
  await stack.resetDatabase();
  await prefill(stack, events, customers);
  await stack.pool.query(REFERENCE_TABLES);
  log(`projector: ${n(events)} messages of ${n(customers)} customers in ${TOPICS.touchpoints}`);

  const runs = await interleave(reps, {
    product: async (rep) => {
      await stack.resetDatabase();
      const projector = await startService('projector', {
        ...stack.serviceEnv,
        PROJECTOR_GROUP: `bench-projector-${process.pid}-${rep}`,
      });
      try {
        return await measure(stack, () => timeApplied(stack, events));
      } finally {
        await projector.stop();
      }
    },
    reference: (rep) => rawConsumer(stack, `bench-raw-${process.pid}-${rep}`, events),
  });
  return [
    rateRow({
      stage: '4. projector catch-up',
      settings: `${n(events)} events, ${n(customers)} customers, 6 partitions, ${reps} rep(s)`,
      unit: 'events/s',
      product: runs.product,
      reference: runs.reference,
      referenceLabel: 'kafkajs eachBatch + one upsert per batch',
      target: '≥ 0.7× reference',
      minRatio: 0.7,
    }),
  ];
}

async function rawConsumer(stack: Stack, group: string, events: number): Promise<Measurement> {
  await stack.pool.query('TRUNCATE bench_ref_customers, bench_ref_offsets');
  const consumer = stack.kafka.consumer({ groupId: group });
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPICS.touchpoints], fromBeginning: true });
  let processed = 0;
  let firstAt: number | null = null;
  let finish: (at: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  try {
    return await measure(stack, async () => {
      await consumer.run({
        partitionsConsumedConcurrently: 3,
        eachBatch: async ({ batch }) => {
          firstAt ??= performance.now();
          const latest = new Map<string, { events: number; position: number; event: string }>();
          for (const message of batch.messages) {
            const value = message.value?.toString('utf8') ?? '{}';
            const event = JSON.parse(value) as { customerId: string; position: number };
            const seen = latest.get(event.customerId);
            latest.set(event.customerId, {
              events: (seen?.events ?? 0) + 1,
              position: Math.max(seen?.position ?? 0, event.position),
              event: value,
            });
          }
          const ids = [...latest.keys()];
          const rows = [...latest.values()];
          const client = await stack.pool.connect();
          try {
            await client.query('BEGIN');
            await client.query(UPSERT, [
              ids,
              rows.map((r) => r.events),
              rows.map((r) => r.position),
              rows.map((r) => r.event),
            ]);
            await client.query(
              `INSERT INTO bench_ref_offsets VALUES ($1, $2, $3)
               ON CONFLICT (group_id, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset`,
              [group, batch.partition, Number(batch.lastOffset()) + 1],
            );
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          } finally {
            client.release();
          }
          processed += batch.messages.length;
          if (processed >= events) finish(performance.now());
        },
      });
      const end = await finished;
      return { units: events, seconds: (end - (firstAt ?? end)) / 1000 };
    });
  } finally {
    await consumer.disconnect();
  }
}
