import type { Pool, PoolClient } from 'pg';
import type { DeadLetterCode, InboundRecord } from '@cx/contracts';
import type { EventStore } from '../event-store';
import { PartitionOffsetTable } from '../partition-offset-table';
import { inTransaction } from '../transaction';
import { admitInbound } from './admit-inbound';
import type { DeadLetterStore, NewDeadLetter } from './dead-letter-store';

export const INBOUND_OFFSETS_TABLE = 'inbound_offsets';

/** A message of one partition, with its offset. */
export interface InboundMessage extends InboundRecord {
  readonly offset: string;
}

export type InboundBatchResult =
  | {
      readonly kind: 'applied';
      /** Where the partition resumes: recorded in the same transaction as the appends. */
      readonly nextOffset: string;
      readonly appended: number;
      readonly deadLettered: ReadonlyMap<DeadLetterCode, number>;
      /** Messages below the recorded offset: an earlier delivery committed them. */
      readonly alreadyApplied: number;
    }
  | {
      /** The batch starts after the recorded offset: nothing done, seek back to it. */
      readonly kind: 'gap';
      readonly recordedOffset: string;
    };

export interface InboundBatchOptions {
  /** Apply across a gap (the log no longer holds the recorded offset: retention). */
  readonly acceptGap?: boolean;
  readonly now?: Date;
}

/** Deadlock and serialisation failure: the transaction rolled back whole, so trying again is safe. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 5;

/**
 * Exactly once from a topic into the event store. Each batch of a partition runs in one
 * transaction: the partition's offset row is locked, messages below its `next_offset` skipped,
 * the rest validated and appended (`admitInbound`), the refused ones recorded as dead letters,
 * and the offset moved past the batch. A crash before COMMIT leaves nothing behind and the batch
 * is delivered again from the recorded offset; after COMMIT, a redelivery is skipped.
 */
export class InboundIntake {
  private readonly offsets: PartitionOffsetTable;

  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly deadLetters: DeadLetterStore,
    group: string,
  ) {
    this.offsets = new PartitionOffsetTable(INBOUND_OFFSETS_TABLE, group, { stampUpdatedAt: true });
  }

  async applyPartitionBatch(
    topic: string,
    partition: number,
    messages: readonly InboundMessage[],
    options: InboundBatchOptions = {},
  ): Promise<InboundBatchResult> {
    const first = messages[0];
    if (first === undefined) throw new RangeError('an empty batch has nothing to apply');
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await inTransaction(this.pool, (client) =>
          this.applyInTransaction(client, topic, partition, messages, options),
        );
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (attempt >= MAX_ATTEMPTS || typeof code !== 'string' || !RETRYABLE_CODES.has(code)) {
          throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      }
    }
  }

  private async applyInTransaction(
    client: PoolClient,
    topic: string,
    partition: number,
    messages: readonly InboundMessage[],
    options: InboundBatchOptions,
  ): Promise<InboundBatchResult> {
    const first = messages[0] as InboundMessage;
    const recorded = await this.offsets.lock(client, topic, partition, first.offset);
    // The database is the truth: messages Kafka skipped (its offset ahead) are fetched again.
    if (BigInt(first.offset) > recorded && options.acceptGap !== true) {
      return { kind: 'gap', recordedOffset: recorded.toString() };
    }
    const pending = messages.filter((m) => BigInt(m.offset) >= recorded);
    const admissions = await admitInbound(client, this.store, pending, options.now ?? new Date());
    const letters: NewDeadLetter[] = [];
    const deadLettered = new Map<DeadLetterCode, number>();
    let appended = 0;
    admissions.forEach((admission, i) => {
      if (admission.kind === 'appended') {
        appended += 1;
        return;
      }
      const message = pending[i] as InboundMessage;
      const { code } = admission.refusal;
      deadLettered.set(code, (deadLettered.get(code) ?? 0) + 1);
      letters.push({
        source: { topic, partition, offset: message.offset },
        record: message,
        refusal: admission.refusal,
        touchpointId: admission.touchpointId,
        customerId: admission.customerId,
      });
    });
    await this.deadLetters.record(client, letters);
    const last = messages[messages.length - 1] as InboundMessage;
    const next = BigInt(last.offset) + 1n;
    const nextOffset = next > recorded ? next : recorded;
    if (nextOffset !== recorded) await this.offsets.advance(client, topic, partition, nextOffset);
    return {
      kind: 'applied',
      nextOffset: nextOffset.toString(),
      appended,
      deadLettered,
      alreadyApplied: messages.length - pending.length,
    };
  }

  /** The recorded offsets of some partitions (absent: never consumed by this group). */
  readOffsets(topic: string, partitions: readonly number[]): Promise<Map<number, string>> {
    return this.offsets.read(this.pool, topic, partitions);
  }

  /**
   * Moves a partition's recorded offset back to `to` if it still is `from` (compare-and-set): the
   * log was replaced and no longer reaches it. Re-reading is safe: what was stored is a duplicate.
   */
  rewindOffset(topic: string, partition: number, from: string, to: string): Promise<boolean> {
    return this.offsets.rewind(this.pool, topic, partition, from, to);
  }
}
