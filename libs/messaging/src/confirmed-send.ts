import {
  Partitioners,
  type Admin,
  type Kafka,
  type Message,
  type PartitionMetadata,
  type Producer,
  type RecordMetadata,
} from 'kafkajs';

/** Below this age the partition count read from the cluster is reused without asking again. */
const METADATA_MAX_AGE_MS = 60_000;

/** Re-sends of the partitions a reply left out, before the send counts as failed. */
const MAX_UNCONFIRMED_ROUNDS = 5;

export interface UnconfirmedPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
  readonly round: number;
}

/** What the sender needs of kafkajs' producer; a test double satisfies it. */
export type SendingProducer = Pick<Producer, 'send'>;

/** Where the sender reads a topic's partitions from; a test double satisfies it. */
export type PartitionSource = (topic: string) => Promise<readonly PartitionMetadata[]>;

/**
 * Sends messages to one topic and resolves only once every partition they go to has been
 * acknowledged by its own entry in the reply.
 *
 * kafkajs 2.2.4 can resolve `send` without having written some partitions (tulios/kafkajs#1303):
 * it remembers replies per broker across its retries, so when a leader dies and its partitions move
 * to a broker that has already answered, those partitions are never sent again, yet `send`
 * succeeds. Each message therefore gets its partition here (murmur2 of the key, as the Java
 * client), and a partition missing from the reply is sent again on its own. The producer's
 * sequence numbers for a partition that got no reply were rolled back by kafkajs, so the re-send
 * carries the same sequence and an idempotent broker that did write it drops the copy.
 */
export class ConfirmedSender {
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private readonly metadata = new Map<
    string,
    { partitions: readonly PartitionMetadata[]; at: number }
  >();

  constructor(
    private readonly producer: SendingProducer,
    private readonly partitionsOf: PartitionSource,
    private readonly onUnconfirmed: (event: UnconfirmedPartitions) => void = () => undefined,
  ) {}

  /** Resolves with one reply entry per partition written; rejects if any stays unconfirmed. */
  async send(topic: string, messages: readonly Message[]): Promise<RecordMetadata[]> {
    if (messages.length === 0) return [];
    const pending = await this.byPartition(topic, messages);
    const confirmed: RecordMetadata[] = [];
    for (let round = 1; ; round += 1) {
      const reply = await this.producer.send({
        topic,
        acks: -1,
        messages: [...pending.values()].flat(),
      });
      for (const entry of reply) {
        if (entry.topicName === topic && entry.errorCode === 0 && pending.delete(entry.partition)) {
          confirmed.push(entry);
        }
      }
      if (pending.size === 0) return confirmed;
      const partitions = [...pending.keys()].sort((a, b) => a - b);
      this.onUnconfirmed({ topic, partitions, round });
      if (round >= MAX_UNCONFIRMED_ROUNDS) {
        throw new Error(
          `Kafka did not confirm partitions ${partitions.join(', ')} of ${topic} after ${round} sends`,
        );
      }
    }
  }

  private async byPartition(
    topic: string,
    messages: readonly Message[],
  ): Promise<Map<number, Message[]>> {
    // kafkajs' partitioner takes a mutable array; one copy per batch.
    const partitionMetadata = [...(await this.partitionMetadata(topic))];
    const groups = new Map<number, Message[]>();
    for (const message of messages) {
      const partition = this.partitioner({ topic, partitionMetadata, message });
      const placed = { ...message, partition };
      const group = groups.get(partition);
      if (group === undefined) groups.set(partition, [placed]);
      else group.push(placed);
    }
    return groups;
  }

  private async partitionMetadata(topic: string): Promise<readonly PartitionMetadata[]> {
    const cached = this.metadata.get(topic);
    if (cached !== undefined && Date.now() - cached.at < METADATA_MAX_AGE_MS) {
      return cached.partitions;
    }
    const partitions = await this.partitionsOf(topic);
    if (partitions.length === 0) throw new Error(`Kafka knows no partition of ${topic}`);
    this.metadata.set(topic, { partitions, at: Date.now() });
    return partitions;
  }
}

/** Reads a topic's partitions through a short-lived admin client of `kafka`. */
export function clusterPartitions(kafka: Kafka): PartitionSource {
  return async (topic) => {
    const admin: Admin = kafka.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      return topics.find((t) => t.name === topic)?.partitions ?? [];
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };
}
