import type { Pool, PoolClient } from 'pg';

export interface PartitionOffsetTableOptions {
  /** The table has an `updated_at` column, set whenever an offset moves. */
  readonly stampUpdatedAt: boolean;
}

/**
 * Where a consumer group resumes each partition, kept in Postgres (`consumer_group, topic,
 * partition, next_offset`) and moved in the same transaction as what the messages wrote. `table`
 * is a trusted constant of the code, never input: it is written into the SQL.
 */
export class PartitionOffsetTable {
  private readonly stamp: string;

  constructor(
    private readonly table: string,
    private readonly group: string,
    options: PartitionOffsetTableOptions,
  ) {
    this.stamp = options.stampUpdatedAt ? ', updated_at = now()' : '';
  }

  /** The recorded offsets of some partitions (absent: never consumed by this group). */
  async read(
    db: Pool | PoolClient,
    topic: string,
    partitions: readonly number[],
  ): Promise<Map<number, string>> {
    const { rows } = await db.query<{ partition: number; next_offset: string }>(
      `SELECT partition, next_offset FROM ${this.table}
        WHERE consumer_group = $1 AND topic = $2 AND partition = ANY($3::int[])`,
      [this.group, topic, partitions],
    );
    return new Map(rows.map((r) => [r.partition, r.next_offset]));
  }

  /** Moves a partition's offset back to `to` if it still is `from` (compare-and-set). */
  async rewind(
    db: Pool | PoolClient,
    topic: string,
    partition: number,
    from: string,
    to: string,
  ): Promise<boolean> {
    const { rowCount } = await db.query(
      `UPDATE ${this.table} SET next_offset = $5${this.stamp}
        WHERE consumer_group = $1 AND topic = $2 AND partition = $3 AND next_offset = $4`,
      [this.group, topic, partition, from, to],
    );
    return rowCount === 1;
  }

  /**
   * Locks a partition's row for the transaction of `client` and answers its offset; a partition
   * seen for the first time starts at its first delivered message.
   */
  async lock(
    client: PoolClient,
    topic: string,
    partition: number,
    firstOffset: string,
  ): Promise<bigint> {
    await client.query(
      `INSERT INTO ${this.table} (consumer_group, topic, partition, next_offset)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
      [this.group, topic, partition, firstOffset],
    );
    const { rows } = await client.query<{ next_offset: string }>(
      `SELECT next_offset FROM ${this.table}
        WHERE consumer_group = $1 AND topic = $2 AND partition = $3 FOR UPDATE`,
      [this.group, topic, partition],
    );
    const row = rows[0];
    if (row === undefined) throw new Error(`offset row of ${topic}[${partition}] vanished`);
    return BigInt(row.next_offset);
  }

  /** Moves a partition's offset, its row locked by `lock` in the same transaction. */
  async advance(
    client: PoolClient,
    topic: string,
    partition: number,
    nextOffset: bigint,
  ): Promise<void> {
    await client.query(
      `UPDATE ${this.table} SET next_offset = $4${this.stamp}
        WHERE consumer_group = $1 AND topic = $2 AND partition = $3`,
      [this.group, topic, partition, nextOffset.toString()],
    );
  }
}
