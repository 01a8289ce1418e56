import { Logger } from '@nestjs/common';
import type { Kafka, Message } from 'kafkajs';
import type { Pool } from 'pg';
import { TOPICS } from '@cx/contracts';
import { DEAD_LETTER_OUTBOX_VIEW, DEAD_LETTERS_CHANNEL } from '@cx/event-store';
import {
  PositionOutboxRelay,
  type PositionOutboxRelayState,
  type RelayObserver,
} from './position-outbox-relay';

/** Headers a dead letter carries besides its message's own; the projector's use the same names. */
export const DEAD_LETTER_HEADERS = {
  reason: 'cx_deadletter_reason',
  code: 'cx_deadletter_code',
  id: 'cx_deadletter_id',
  topic: 'cx_original_topic',
  partition: 'cx_original_partition',
  offset: 'cx_original_offset',
} as const;

export interface DeadLetterRelayDeps {
  readonly pool: Pool;
  readonly kafka: Kafka;
  readonly observer?: RelayObserver;
  /** Fallback poll when no NOTIFY arrives (ms). */
  readonly pollIntervalMs?: number;
}

interface DeadLetterRow {
  position: string;
  code: string;
  reason: string;
  source_topic: string;
  source_partition: number;
  source_offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/**
 * A few per batch: a dead letter may carry a value of up to 1 MB, and a batch to the topic's one
 * partition travels as one record batch, which must stay under the topic's message size limit.
 */
const BATCH_SIZE = 6;

/** The message of a dead letter: its original key, value and headers, plus why and whence. */
export function deadLetterMessage(row: DeadLetterRow): Message {
  return {
    key: row.key,
    value: row.value,
    headers: {
      ...row.headers,
      [DEAD_LETTER_HEADERS.reason]: row.reason,
      [DEAD_LETTER_HEADERS.code]: row.code,
      [DEAD_LETTER_HEADERS.id]: row.position,
      [DEAD_LETTER_HEADERS.topic]: row.source_topic,
      [DEAD_LETTER_HEADERS.partition]: String(row.source_partition),
      [DEAD_LETTER_HEADERS.offset]: row.source_offset,
    },
  };
}

/**
 * Publishes the recorded dead letters to `cx.touchpoints.deadletter.v1` in id order, at least
 * once: `cx_deadletter_id` is stable, so a consumer drops the copies a crash may send again.
 */
export class DeadLetterRelay {
  static readonly TOPIC = TOPICS.touchpointsDeadLetter;
  private readonly relay: PositionOutboxRelay<DeadLetterRow>;

  constructor(deps: DeadLetterRelayDeps) {
    const topic = DeadLetterRelay.TOPIC;
    this.relay = new PositionOutboxRelay<DeadLetterRow>({
      pool: deps.pool,
      kafka: deps.kafka,
      source: {
        table: DEAD_LETTER_OUTBOX_VIEW,
        columns:
          'position, code, reason, source_topic, source_partition, source_offset, key, value, headers',
        timeColumn: 'received_at',
        channel: DEAD_LETTERS_CHANNEL,
        checkpointName: `kafka:${topic}`,
        topic,
        toMessage: deadLetterMessage,
      },
      batchSize: BATCH_SIZE,
      pollIntervalMs: deps.pollIntervalMs ?? 1000,
      maxBackoffMs: 5000,
      logger: new Logger(DeadLetterRelay.name),
      label: `relay to ${topic}`,
      observer: deps.observer,
    });
  }

  start(): Promise<void> {
    this.relay.start();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return this.relay.stop();
  }

  state(): Promise<PositionOutboxRelayState> {
    return this.relay.state();
  }
}
