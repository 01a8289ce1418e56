import { Partitioners, type Message } from 'kafkajs';
import { toTouchpointMessage, type PublicTouchpoint, type SealedPersonalData } from '@cx/contracts';
import { OutboxRelay } from '@cx/messaging';
import { seedEvents } from '../data';
import type { StageRow } from '../report';
import { interleave, until } from '../stats';
import { measure, n, rateRow, type StageContext } from './common';

interface Row {
  position: string;
  recorded_at: Date;
  payload: PublicTouchpoint;
  personal: SealedPersonalData | null;
}

/**
 * 3. A backlog of N events in the store; `OutboxRelay` publishes it all (timed until its
 * checkpoint reaches the head), against a raw kafkajs loop with the relay's own producer settings
 * (idempotent, acks -1, one request in flight, batches of 1,000, the same `toTouchpointMessage`
 * messages) reading the same rows page by page. Each run publishes to a topic of its own.
 */
export async function relayStage(ctx: StageContext): Promise<StageRow[]> {
  const { stack, settings, log } = ctx;
  const { events, batchSize } = settings.relay;
  await stack.resetDatabase();
  await seedEvents(stack.pool, 'r', events, events / 10);
  const head = events;
  log(`relay: a backlog of ${n(events)} events`);
  const partitions = 6;

  const runs = await interleave(settings.reps, {
    product: async (rep) => {
      const topic = `bench.relay.${rep}`;
      await stack.createTopic(topic, partitions);
      const relay = new OutboxRelay({
        pool: stack.pool,
        kafka: stack.kafka,
        topic,
        name: `bench-relay-${rep}`,
        batchSize,
      });
      try {
        return await measure(stack, async () => {
          await relay.start();
          await until(
            'the relay to publish the backlog',
            async () => (await relay.status()).lastPublishedPosition >= head,
            300_000,
            50,
          );
          return events;
        });
      } finally {
        await relay.stop();
      }
    },
    reference: async (rep) => {
      const topic = `bench.relay-ref.${rep}`;
      await stack.createTopic(topic, partitions);
      const producer = stack.kafka.producer({
        createPartitioner: Partitioners.DefaultPartitioner,
        idempotent: true,
        maxInFlightRequests: 1,
      });
      await producer.connect();
      try {
        return await measure(stack, async () => {
          for (let after = 0; after < head;) {
            const { rows } = await stack.pool.query<Row>(
              `SELECT position, recorded_at, payload, personal FROM touchpoint_events
                WHERE position > $1 ORDER BY position LIMIT $2`,
              [after, batchSize],
            );
            const messages: Message[] = rows.map((row) =>
              toTouchpointMessage({
                ...row.payload,
                position: Number(row.position),
                recordedAt: row.recorded_at.toISOString(),
                personal: row.personal,
              }),
            );
            await producer.send({ topic, acks: -1, messages });
            after = Number(rows[rows.length - 1]?.position ?? head);
          }
          return events;
        });
      } finally {
        await producer.disconnect();
      }
    },
  });
  return [
    rateRow({
      stage: '3. relay backlog to Kafka',
      settings: `${n(events)} events, batches of ${n(batchSize)}, ${partitions} partitions, ${settings.reps} reps`,
      unit: 'events/s',
      product: runs.product,
      reference: runs.reference,
      referenceLabel: 'kafkajs loop, relay settings',
      target: '≥ 0.7× reference',
      minRatio: 0.7,
    }),
  ];
}
