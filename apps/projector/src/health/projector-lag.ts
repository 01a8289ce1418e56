import type { Admin } from 'kafkajs';
import { TOPICS } from '@cx/contracts';
import type { ProjectionEngine } from '@cx/read-models';
import type { PartitionProgress } from '../consumer/touchpoint-consumer.service';

export interface PartitionLag {
  readonly partition: number;
  readonly endOffset: string;
  readonly nextOffset: string | null;
  readonly behind: number;
}

export interface ProjectorLag {
  readonly topic: string;
  /** Σ (end offset − recorded next offset) over every partition, whoever consumes it. */
  readonly eventsBehind: number;
  /**
   * Upper bound of the age of the oldest unprocessed event among this instance's partitions that
   * are behind: from the Kafka timestamp of the batch in flight, else of the last applied message.
   */
  readonly oldestUnprocessedAgeSeconds: number | null;
  readonly partitions: PartitionLag[];
}

/** Pure: the lag figure from end offsets, recorded offsets and this instance's progress. */
export function computeLag(
  ends: readonly { partition: number; high: string; low: string }[],
  recorded: ReadonlyMap<number, string>,
  progress: readonly PartitionProgress[],
  nowMs: number,
): ProjectorLag {
  const partitions = ends
    .map((end): PartitionLag => {
      const next = recorded.get(end.partition) ?? null;
      const from = BigInt(next ?? end.low);
      const behind = BigInt(end.high) - from;
      return {
        partition: end.partition,
        endOffset: end.high,
        nextOffset: next,
        behind: behind > 0n ? Number(behind) : 0,
      };
    })
    .sort((a, b) => a.partition - b.partition);
  let oldest: number | null = null;
  for (const p of progress) {
    const lag = partitions.find((l) => l.partition === p.partition);
    if (lag === undefined || lag.behind === 0) continue;
    const since = p.inFlightSince ?? p.lastAppliedAt;
    if (since !== null) oldest = oldest === null ? since : Math.min(oldest, since);
  }
  return {
    topic: TOPICS.touchpoints,
    eventsBehind: partitions.reduce((sum, p) => sum + p.behind, 0),
    oldestUnprocessedAgeSeconds: oldest === null ? null : Math.max(0, (nowMs - oldest) / 1000),
    partitions,
  };
}

export async function measureLag(
  admin: Admin,
  engine: ProjectionEngine,
  progress: readonly PartitionProgress[],
): Promise<ProjectorLag> {
  const [ends, recorded] = await Promise.all([
    admin.fetchTopicOffsets(TOPICS.touchpoints),
    engine.allOffsets(TOPICS.touchpoints),
  ]);
  return computeLag(ends, recorded, progress, Date.now());
}
