import type { Pool } from 'pg';
import type { ServiceProcess } from './fault-harness';

interface ProjectorReadiness {
  checks?: { consumer?: { joined?: boolean; partitions?: unknown } };
}

/**
 * The partitions a projector says it holds (its readiness' consumer check); null when it does not
 * answer or is between assignments (not joined), so a caller never mistakes "no answer" for
 * "holds none".
 */
export async function heldPartitions(projector: ServiceProcess): Promise<number[] | null> {
  const answer = await projector.readiness();
  const consumer = (answer?.body as ProjectorReadiness | undefined)?.checks?.consumer;
  if (consumer?.joined !== true || !Array.isArray(consumer.partitions)) return null;
  return consumer.partitions.filter((p): p is number => typeof p === 'number');
}

/** The database's next offset per partition of `topic` for `group` (the projector's truth). */
export async function recordedOffsets(
  pool: Pool,
  group: string,
  topic: string,
): Promise<Map<number, bigint>> {
  const { rows } = await pool.query<{ partition: number; next_offset: string }>(
    'SELECT partition, next_offset FROM projection_offsets WHERE consumer_group = $1 AND topic = $2',
    [group, topic],
  );
  return new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
}

/** Partitions of `all` whose recorded offset has not moved past the one in `before`. */
export function notAdvanced(
  all: readonly number[],
  before: ReadonlyMap<number, bigint>,
  now: ReadonlyMap<number, bigint>,
): number[] {
  return all.filter((p) => (now.get(p) ?? -1n) <= (before.get(p) ?? -1n));
}
