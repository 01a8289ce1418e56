import type { Pool, PoolClient } from 'pg';
import {
  TOUCHPOINT_MAX_BYTES,
  type DeadLetterCode,
  type InboundRecord,
  type InboundRefusal,
  type ValidationIssue,
} from '@cx/contracts';
import { holdAppendLock, type EventStore } from '../event-store';
import { inTransaction } from '../transaction';
import { admitInbound } from './admit-inbound';

/** Channel of the NOTIFY sent by every transaction that recorded dead letters. */
export const DEAD_LETTERS_CHANNEL = 'cx_dead_letters';
export const DEAD_LETTERS_TABLE = 'dead_letters';
/** `dead_letters` with `id` as `position`, what the dead-letter relay follows. */
export const DEAD_LETTER_OUTBOX_VIEW = 'dead_letter_outbox';

export interface MessageSource {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface NewDeadLetter {
  readonly source: MessageSource;
  readonly record: InboundRecord;
  readonly refusal: InboundRefusal;
  readonly touchpointId: string | null;
  /** Known when the value parsed as a touchpoint: its erasure removes the value. */
  readonly customerId: string | null;
}

/** The last replay of a dead letter that did not store it. */
export interface ReplayAttempt {
  readonly at: string;
  readonly code: DeadLetterCode;
  readonly reason: string;
}

export interface StoredDeadLetter {
  readonly id: string;
  readonly code: DeadLetterCode;
  readonly reason: string;
  readonly issues: readonly ValidationIssue[];
  readonly source: MessageSource;
  readonly key: Buffer | null;
  /** Null when the value was over the size limit (never kept) or absent. */
  readonly value: Buffer | null;
  readonly valueBytes: number | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly touchpointId: string | null;
  readonly receivedAt: string;
  readonly replayedAt: string | null;
  readonly replayedPosition: number | null;
  readonly lastReplay: ReplayAttempt | null;
}

export interface DeadLetterFilter {
  readonly limit: number;
  readonly code?: DeadLetterCode;
}

export type ReplayOutcome =
  | {
      readonly id: string;
      readonly outcome: 'replayed';
      readonly touchpointId: string;
      readonly position: number;
    }
  | {
      readonly id: string;
      readonly outcome: 'already_replayed';
      readonly replayedAt: string;
      readonly position: number | null;
    }
  | {
      readonly id: string;
      readonly outcome: 'refused';
      readonly code: DeadLetterCode;
      readonly reason: string;
    }
  | { readonly id: string; readonly outcome: 'not_replayable'; readonly reason: string }
  | { readonly id: string; readonly outcome: 'not_found' };

interface DeadLetterRow {
  id: string;
  code: DeadLetterCode;
  reason: string;
  issues: ValidationIssue[];
  source_topic: string;
  source_partition: number;
  source_offset: string;
  key: Buffer | null;
  value: Buffer | null;
  value_bytes: number | null;
  headers: Record<string, string>;
  touchpoint_id: string | null;
  received_at: Date;
  replayed_at: Date | null;
  replayed_position: string | null;
  last_replay: ReplayAttempt | null;
}

const COLUMNS = `id, code, reason, issues, source_topic, source_partition, source_offset, key, value,
  value_bytes, headers, touchpoint_id, received_at, replayed_at, replayed_position, last_replay`;

function fromRow(row: DeadLetterRow): StoredDeadLetter {
  return {
    id: row.id,
    code: row.code,
    reason: row.reason,
    issues: row.issues,
    source: { topic: row.source_topic, partition: row.source_partition, offset: row.source_offset },
    key: row.key,
    value: row.value,
    valueBytes: row.value_bytes,
    headers: row.headers,
    touchpointId: row.touchpoint_id,
    receivedAt: row.received_at.toISOString(),
    replayedAt: row.replayed_at === null ? null : row.replayed_at.toISOString(),
    replayedPosition: row.replayed_position === null ? null : Number(row.replayed_position),
    lastReplay: row.last_replay,
  };
}

/**
 * The value is kept for replay, except when it is over the limit (what made it poison) or its
 * customer is erased: their personal data is not taken in, not even as a dead letter.
 */
function keptValue(letter: NewDeadLetter): Buffer | null {
  const { value } = letter.record;
  if (letter.refusal.code === 'customer_erased') return null;
  return value !== null && value.length <= TOUCHPOINT_MAX_BYTES ? value : null;
}

/**
 * Removes the values of a customer's dead letters (theirs by the parsed customerId or by the
 * message key), in the caller's transaction: an erasure's step. Returns how many it removed.
 */
export async function forgetDeadLetterValues(
  client: PoolClient,
  customerId: string,
): Promise<number> {
  const { rowCount } = await client.query(
    `UPDATE ${DEAD_LETTERS_TABLE} SET value = NULL
      WHERE value IS NOT NULL AND (customer_id = $1 OR key = convert_to($1, 'UTF8'))`,
    [customerId],
  );
  return rowCount ?? 0;
}

/**
 * The messages of the inbound topic that were not stored, with why; the dead-letter relay
 * publishes them, and `replay` sends them through validation and the append again.
 */
export class DeadLetterStore {
  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
  ) {}

  /**
   * Records dead letters in the caller's transaction, once per source message (a redelivered one
   * is skipped). Ids are taken under the append lock, so they become visible in id order and the
   * relay, reading past its checkpoint, never skips one that committed late.
   */
  async record(client: PoolClient, letters: readonly NewDeadLetter[]): Promise<number> {
    if (letters.length === 0) return 0;
    await holdAppendLock(client);
    const { rowCount } = await client.query(
      `INSERT INTO ${DEAD_LETTERS_TABLE}
         (code, reason, issues, source_topic, source_partition, source_offset, key, value,
          value_bytes, headers, touchpoint_id, customer_id)
       SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::text[], $5::int[], $6::bigint[],
                            $7::bytea[], $8::bytea[], $9::int[], $10::jsonb[], $11::text[], $12::text[])
       ON CONFLICT (source_topic, source_partition, source_offset) DO NOTHING`,
      [
        letters.map((l) => l.refusal.code),
        letters.map((l) => l.refusal.reason),
        letters.map((l) => JSON.stringify(l.refusal.issues)),
        letters.map((l) => l.source.topic),
        letters.map((l) => l.source.partition),
        letters.map((l) => l.source.offset),
        letters.map((l) => l.record.key),
        letters.map((l) => keptValue(l)),
        letters.map((l) => l.record.value?.length ?? null),
        letters.map((l) => JSON.stringify(l.record.headers)),
        letters.map((l) => l.touchpointId),
        letters.map((l) => l.customerId),
      ],
    );
    if ((rowCount ?? 0) > 0) {
      await client.query('SELECT pg_notify($1, $2)', [DEAD_LETTERS_CHANNEL, '']);
    }
    return rowCount ?? 0;
  }

  /** Newest first. */
  async list(filter: DeadLetterFilter): Promise<StoredDeadLetter[]> {
    const { rows } = await this.pool.query<DeadLetterRow>(
      `SELECT ${COLUMNS} FROM ${DEAD_LETTERS_TABLE}
        WHERE ($1::text IS NULL OR code = $1) ORDER BY id DESC LIMIT $2`,
      [filter.code ?? null, filter.limit],
    );
    return rows.map(fromRow);
  }

  /** Ids of the dead letters not replayed yet, oldest first. */
  async pendingIds(): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `SELECT id FROM ${DEAD_LETTERS_TABLE} WHERE replayed_at IS NULL ORDER BY id`,
    );
    return rows.map((r) => r.id);
  }

  /**
   * Sends each dead letter through the validation and append of the inbound consumer again, one
   * transaction each. Stored: the row is marked replayed with the position. Refused again: the row
   * keeps its state, and the new reason is noted and answered. Replaying a replayed row does nothing.
   */
  async replay(
    ids: readonly string[],
    now: () => Date = () => new Date(),
  ): Promise<ReplayOutcome[]> {
    const outcomes: ReplayOutcome[] = [];
    for (const id of ids) outcomes.push(await this.replayOne(id, now()));
    return outcomes;
  }

  private replayOne(id: string, now: Date): Promise<ReplayOutcome> {
    return inTransaction(this.pool, async (client): Promise<ReplayOutcome> => {
      const { rows } = await client.query<DeadLetterRow>(
        `SELECT ${COLUMNS} FROM ${DEAD_LETTERS_TABLE} WHERE id = $1 FOR UPDATE`,
        [id],
      );
      const row = rows[0];
      if (row === undefined) return { id, outcome: 'not_found' };
      const letter = fromRow(row);
      if (letter.replayedAt !== null) {
        return {
          id,
          outcome: 'already_replayed',
          replayedAt: letter.replayedAt,
          position: letter.replayedPosition,
        };
      }
      const notReplayable = (reason: string): ReplayOutcome => ({
        id,
        outcome: 'not_replayable',
        reason,
      });
      if (letter.value === null && (letter.valueBytes ?? 0) > TOUCHPOINT_MAX_BYTES) {
        return notReplayable(
          `its value of ${letter.valueBytes ?? '?'} bytes was over the limit and was not kept; the producer must send a smaller touchpoint`,
        );
      }
      if (letter.value === null && (letter.valueBytes ?? 0) > 0) {
        return notReplayable(
          letter.code === 'customer_erased'
            ? 'its customer was erased when it arrived, so its value was not kept; once the customer is readmitted the producer must send it again'
            : "its value was removed by its customer's erasure",
        );
      }
      const record: InboundRecord = {
        key: letter.key,
        value: letter.value,
        headers: letter.headers,
      };
      const [admission] = await admitInbound(client, this.store, [record], now);
      if (admission === undefined) throw new Error(`no verdict for dead letter ${id}`);
      if (admission.kind === 'appended') {
        await client.query(
          `UPDATE ${DEAD_LETTERS_TABLE}
              SET replayed_at = $2, replayed_position = $3, touchpoint_id = $4 WHERE id = $1`,
          [id, now, admission.position, admission.touchpointId],
        );
        return {
          id,
          outcome: 'replayed',
          touchpointId: admission.touchpointId,
          position: admission.position,
        };
      }
      const attempt: ReplayAttempt = {
        at: now.toISOString(),
        code: admission.refusal.code,
        reason: admission.refusal.reason,
      };
      await client.query(`UPDATE ${DEAD_LETTERS_TABLE} SET last_replay = $2 WHERE id = $1`, [
        id,
        JSON.stringify(attempt),
      ]);
      return { id, outcome: 'refused', code: attempt.code, reason: attempt.reason };
    });
  }
}
