import type { Pool, PoolClient } from 'pg';
import type { PositionedTouchpoint } from './customer-profile.projection';
import { READ_MODEL_LOCK_KEY, writeTouchpoints, type WriteResult } from './read-model.writer';

/** One consumed message: its offset, and the touchpoint it carried (null: dead-lettered). */
export interface ConsumedMessage {
  readonly offset: string;
  readonly item: PositionedTouchpoint | null;
}

export type PartitionBatchResult =
  | (WriteResult & {
      readonly kind: 'applied';
      /** The offset to resume from: recorded in the same transaction as the read model. */
      readonly nextOffset: string;
      /** Messages below the recorded offset: already applied by an earlier delivery. */
      readonly alreadyApplied: number;
    })
  | {
      /** The batch starts after the recorded offset: nothing applied, seek back to it. */
      readonly kind: 'gap';
      readonly recordedOffset: string;
    };

export interface PartitionBatchOptions {
  /** Apply across a gap (the log no longer holds the recorded offset: retention). */
  readonly acceptGap?: boolean;
}

/**
 * Applies a partition's batch exactly once: the partition's `projection_offsets` row is locked
 * `FOR UPDATE`, messages below its `next_offset` are skipped, the rest applied, and the offset
 * advanced, all in one transaction. A crash before COMMIT leaves both untouched; a redelivery after
 * it is skipped; two instances overlapping during a rebalance take turns on the row lock.
 */
export class ProjectionEngine {
  constructor(
    private readonly pool: Pool,
    private readonly group: string,
  ) {}

  async applyPartitionBatch(
    topic: string,
    partition: number,
    messages: readonly ConsumedMessage[],
    options: PartitionBatchOptions = {},
  ): Promise<PartitionBatchResult> {
    const first = messages[0];
    const last = messages[messages.length - 1];
    if (first === undefined || last === undefined) {
      throw new RangeError('an empty batch has nothing to apply');
    }
    return this.inTransaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock_shared($1)', [READ_MODEL_LOCK_KEY]);
      const recorded = await this.lockOffset(client, topic, partition, first.offset);
      // Kafka's committed offset can be ahead of the database's (e.g. a restored database): the
      // database is the truth, so the messages in between are fetched again rather than skipped.
      if (BigInt(first.offset) > recorded && options.acceptGap !== true) {
        return { kind: 'gap', recordedOffset: recorded.toString() };
      }
      const pending = messages.filter((m) => BigInt(m.offset) >= recorded);
      const alreadyApplied = messages.length - pending.length;
      const items = pending.flatMap((m) => (m.item === null ? [] : [m.item]));
      const written = await writeTouchpoints(client, items);
      const next = BigInt(last.offset) + 1n;
      const nextOffset = next > recorded ? next : recorded;
      if (nextOffset !== recorded) {
        await client.query(
          `UPDATE projection_offsets SET next_offset = $4
            WHERE consumer_group = $1 AND topic = $2 AND partition = $3`,
          [this.group, topic, partition, nextOffset.toString()],
        );
      }
      return { kind: 'applied', ...written, nextOffset: nextOffset.toString(), alreadyApplied };
    });
  }

  /** The recorded offsets of some partitions (absent: never consumed by this group). */
  async readOffsets(topic: string, partitions: readonly number[]): Promise<Map<number, string>> {
    const { rows } = await this.pool.query<{ partition: number; next_offset: string }>(
      `SELECT partition, next_offset FROM projection_offsets
        WHERE consumer_group = $1 AND topic = $2 AND partition = ANY($3::int[])`,
      [this.group, topic, partitions],
    );
    return new Map(rows.map((r) => [r.partition, r.next_offset]));
  }

  /**
   * Moves a partition's recorded offset back to `to`, if it still is `from` (compare-and-set):
   * used when the log no longer reaches the recorded offset because the topic or the cluster was
   * replaced. Re-reading is safe: a touchpoint already in the read model is not applied twice.
   */
  async rewindOffset(topic: string, partition: number, from: string, to: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE projection_offsets SET next_offset = $5
        WHERE consumer_group = $1 AND topic = $2 AND partition = $3 AND next_offset = $4`,
      [this.group, topic, partition, from, to],
    );
    return rowCount === 1;
  }

  /** Every recorded offset of the group on a topic. */
  async allOffsets(topic: string): Promise<Map<number, string>> {
    const { rows } = await this.pool.query<{ partition: number; next_offset: string }>(
      'SELECT partition, next_offset FROM projection_offsets WHERE consumer_group = $1 AND topic = $2',
      [this.group, topic],
    );
    return new Map(rows.map((r) => [r.partition, r.next_offset]));
  }

  private async lockOffset(
    client: PoolClient,
    topic: string,
    partition: number,
    firstOffset: string,
  ): Promise<bigint> {
    // A partition seen for the first time starts at its first delivered message.
    await client.query(
      `INSERT INTO projection_offsets (consumer_group, topic, partition, next_offset)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [this.group, topic, partition, firstOffset],
    );
    const { rows } = await client.query<{ next_offset: string }>(
      `SELECT next_offset FROM projection_offsets
        WHERE consumer_group = $1 AND topic = $2 AND partition = $3 FOR UPDATE`,
      [this.group, topic, partition],
    );
    const row = rows[0];
    if (row === undefined) throw new Error(`offset row of ${topic}[${partition}] vanished`);
    return BigInt(row.next_offset);
  }

  private async inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }
}
