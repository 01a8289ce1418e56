import { Partitioners, type Message, type PartitionMetadata, type RecordMetadata } from 'kafkajs';
import {
  ConfirmedSender,
  type SendingProducer,
  type UnconfirmedPartitions,
} from './confirmed-send';

const TOPIC = 'cx.test.v1';

function partitionsOf(count: number): PartitionMetadata[] {
  return Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: partitionId % 3,
    replicas: [0, 1, 2],
    isr: [0, 1, 2],
    partitionErrorCode: 0,
  }));
}

interface SentBatch {
  readonly partitions: number[];
  readonly messages: Message[];
}

/**
 * A producer that answers for the partitions it is told to, like kafkajs 2.2.4 after a leader
 * moved to a broker that had already answered: `send` resolves, some partitions are absent.
 */
function producerLeavingOut(leftOut: number[][]): SendingProducer & { batches: SentBatch[] } {
  const batches: SentBatch[] = [];
  return {
    batches,
    send: ({ messages }) => {
      const skip = new Set(leftOut[batches.length] ?? []);
      const partitions = [...new Set(messages.map((m) => m.partition ?? -1))].sort((a, b) => a - b);
      batches.push({ partitions, messages: [...messages] });
      const reply: RecordMetadata[] = partitions
        .filter((p) => !skip.has(p))
        .map((partition) => ({ topicName: TOPIC, partition, errorCode: 0, baseOffset: '0' }));
      return Promise.resolve(reply);
    },
  };
}

const messages: Message[] = Array.from({ length: 40 }, (_, i) => ({
  key: `customer-${i % 13}`,
  value: `event-${i}`,
}));

describe('ConfirmedSender', () => {
  it('puts each keyed message on the partition kafkajs itself would choose (murmur2)', async () => {
    const producer = producerLeavingOut([]);
    const sender = new ConfirmedSender(producer, () => Promise.resolve(partitionsOf(6)));
    await sender.send(TOPIC, messages);
    const kafkajs = Partitioners.DefaultPartitioner();
    const expected = messages.map((message) =>
      kafkajs({ topic: TOPIC, partitionMetadata: partitionsOf(6), message }),
    );
    const sent = producer.batches[0]?.messages ?? [];
    const byValue = new Map(sent.map((m) => [String(m.value), m.partition]));
    expect(messages.map((m) => byValue.get(String(m.value)))).toEqual(expected);
  });

  it('sends again only the partitions a resolved reply left out, in their original order', async () => {
    const producer = producerLeavingOut([[0, 3], []]);
    const unconfirmed: UnconfirmedPartitions[] = [];
    const sender = new ConfirmedSender(
      producer,
      () => Promise.resolve(partitionsOf(6)),
      (event) => unconfirmed.push(event),
    );
    const reply = await sender.send(TOPIC, messages);

    expect(producer.batches).toHaveLength(2);
    const [first, second] = producer.batches as [SentBatch, SentBatch];
    expect(second.partitions).toEqual([0, 3]);
    const leftOut = first.messages.filter((m) => m.partition === 0 || m.partition === 3);
    expect(second.messages).toEqual(leftOut);
    expect(unconfirmed).toEqual([{ topic: TOPIC, partitions: [0, 3], round: 1 }]);
    expect(reply.map((r) => r.partition).sort((a, b) => a - b)).toEqual(first.partitions);
  });

  it('fails, so the caller keeps its checkpoint, when a partition is never confirmed', async () => {
    const producer = producerLeavingOut(Array.from({ length: 10 }, () => [2]));
    const sender = new ConfirmedSender(producer, () => Promise.resolve(partitionsOf(6)));
    await expect(sender.send(TOPIC, messages)).rejects.toThrow(
      'Kafka did not confirm partitions 2 of cx.test.v1 after 5 sends',
    );
    expect(producer.batches).toHaveLength(5);
  });

  it('asks the cluster for the partition count once, not on every send', async () => {
    let asked = 0;
    const sender = new ConfirmedSender(producerLeavingOut([]), () => {
      asked += 1;
      return Promise.resolve(partitionsOf(6));
    });
    await sender.send(TOPIC, messages);
    await sender.send(TOPIC, messages);
    expect(asked).toBe(1);
  });

  it('refuses a topic the cluster knows no partition of, before sending anything', async () => {
    const producer = producerLeavingOut([]);
    const sender = new ConfirmedSender(producer, () => Promise.resolve([]));
    await expect(sender.send(TOPIC, messages)).rejects.toThrow('Kafka knows no partition');
    expect(producer.batches).toHaveLength(0);
  });
});
