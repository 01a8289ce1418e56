import { withProbeAdmin } from '../../../infra/local/kafka-broker';
import { eventually } from '../../support/eventually';

export interface PartitionReplicas {
  readonly partition: number;
  /** Node id of the leader; -1 while it has none. */
  readonly leader: number;
  /** Sorted node ids. */
  readonly replicas: readonly number[];
  /** Sorted node ids of the in-sync replicas. */
  readonly isr: readonly number[];
}

/**
 * Leader, replicas and in-sync replicas of every partition of `topic`, by partition, as the
 * cluster's metadata has them now. A short-lived admin client each time: a long-lived one could
 * stay bound to the node a test has just killed.
 */
export async function partitionReplicas(
  brokers: string,
  topic: string,
): Promise<PartitionReplicas[]> {
  return withProbeAdmin(
    brokers,
    'cx-faults-replicas',
    async (admin) => {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = topics.find((t) => t.name === topic)?.partitions ?? [];
      const sorted = (ids: number[]): number[] => [...ids].sort((a, b) => a - b);
      return partitions
        .map((p) => ({
          partition: p.partitionId,
          leader: p.leader,
          replicas: sorted(p.replicas),
          isr: sorted(p.isr),
        }))
        .sort((a, b) => a.partition - b.partition);
    },
    2,
  );
}

/**
 * Resolves with the topic's partitions once `holds` is true of them, or null after `timeoutMs`
 * (a measurement: the caller decides whether that fails the test).
 */
export async function whenPartitions(
  brokers: string,
  topic: string,
  what: string,
  holds: (partitions: readonly PartitionReplicas[]) => boolean,
  timeoutMs: number,
): Promise<PartitionReplicas[] | null> {
  return eventually(
    what,
    async () => {
      const partitions = await partitionReplicas(brokers, topic);
      return partitions.length > 0 && holds(partitions) ? partitions : undefined;
    },
    timeoutMs,
    200,
  ).catch(() => null);
}
