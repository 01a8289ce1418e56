import type { Kafka } from 'kafkajs';

/**
 * Kafka's static membership (`group.instance.id`, KIP-345) lets a restarted consumer take its
 * partitions back at once; kafkajs 2.2.4 encodes the field but never sends it, so a projector
 * that was killed without leaving its group keeps its partitions until its session times out and
 * a restarted one waits that long. Instead, an instance whose Kafka client id names it
 * (`projectorClientId`) removes, before it joins, the members its earlier runs left behind:
 * members of the group with its own client id, which no live instance carries.
 */

/** The parts of kafkajs' internal cluster and broker used to send LeaveGroup. */
interface LeaveGroupCoordinator {
  leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown>;
}

interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  findGroupCoordinator(request: { groupId: string }): Promise<LeaveGroupCoordinator>;
}

type ClusterFactory = (options: { allowAutoTopicCreation: boolean }) => InternalCluster;

/**
 * kafkajs' admin API can describe a group but not remove a member of it; the LeaveGroup request
 * it sends for its own consumers is reached through the client's cluster factory (a private
 * symbol of kafkajs 2.x). Null when this kafkajs has none, so the caller falls back to waiting.
 */
function clusterFactory(kafka: Kafka): ClusterFactory | null {
  const key = Object.getOwnPropertySymbols(kafka).find(
    (symbol) => symbol.description === 'private:Kafka:createCluster',
  );
  if (key === undefined) return null;
  const factory = (kafka as unknown as Record<symbol, unknown>)[key];
  return typeof factory === 'function' ? (factory as ClusterFactory) : null;
}

export interface StaleMembers {
  /** Member ids of the group carrying `clientId`. */
  readonly found: readonly string[];
  /** Those the coordinator removed (the others left or timed out meanwhile). */
  readonly removed: readonly string[];
}

/** Removes the members of `groupId` whose client id is `clientId` (see the file comment). */
export async function removeStaleMembers(
  kafka: Kafka,
  groupId: string,
  clientId: string,
): Promise<StaleMembers> {
  const admin = kafka.admin();
  await admin.connect();
  let found: string[];
  try {
    const { groups } = await admin.describeGroups([groupId]);
    const members = groups.find((g) => g.groupId === groupId)?.members ?? [];
    found = members.filter((m) => m.clientId === clientId).map((m) => m.memberId);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  if (found.length === 0) return { found, removed: [] };
  const create = clusterFactory(kafka);
  if (create === null) throw new Error('this kafkajs version cannot send LeaveGroup');
  const cluster = create({ allowAutoTopicCreation: false });
  await cluster.connect();
  const removed: string[] = [];
  try {
    const coordinator = await cluster.findGroupCoordinator({ groupId });
    for (const memberId of found) {
      try {
        await coordinator.leaveGroup({ groupId, memberId });
        removed.push(memberId);
      } catch (error) {
        // UNKNOWN_MEMBER_ID: it left or timed out in the meantime, which is what we wanted.
        if ((error as { type?: unknown }).type !== 'UNKNOWN_MEMBER_ID') throw error;
      }
    }
  } finally {
    await cluster.disconnect().catch(() => undefined);
  }
  return { found, removed };
}
