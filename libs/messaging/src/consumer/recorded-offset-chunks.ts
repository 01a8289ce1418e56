import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { GroupAssignment } from './group-assignment';
import type { StoreOutage } from './store-outage';

/** A chunk's transaction found it starts after the offset the database recorded. */
export interface ChunkGap {
  readonly kind: 'gap';
  readonly recordedOffset: string;
}

/**
 * Applies the chunks of a batch in transactions that record their partition's offset, through
 * Postgres outages. A chunk that starts after the recorded offset is not applied: its partition
 * is sought back to that offset, once per assignment (the next one is applied across the gap).
 */
export class RecordedOffsetChunks {
  constructor(
    private readonly assignment: GroupAssignment,
    private readonly store: StoreOutage,
    /** The consumer to seek, read when a gap is found. */
    private readonly consumer: () => Consumer | null,
  ) {}

  /** What the transaction applied; null when nothing was (gap, consumer stopped, batch void). */
  async apply<Applied extends { readonly kind: 'applied' }>(
    payload: EachBatchPayload,
    firstOffset: string | undefined,
    transaction: (acceptGap: boolean) => Promise<Applied | ChunkGap>,
  ): Promise<Applied | null> {
    const { topic, partition } = payload.batch;
    const applied = await this.store.step(payload, () =>
      transaction(this.assignment.acceptsGap(partition)),
    );
    if (applied === null) return null;
    const result = applied.value;
    if (result.kind === 'gap') {
      this.assignment.seekBack(
        this.consumer(),
        topic,
        partition,
        firstOffset,
        result.recordedOffset,
      );
      return null;
    }
    return result;
  }
}
