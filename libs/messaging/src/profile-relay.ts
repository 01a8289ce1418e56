import { Logger } from '@nestjs/common';
import type { Message } from 'kafkajs';
import { TOPICS } from '@cx/contracts';
import { PROFILE_CHANNEL, PROFILE_CHECKPOINT, PROFILE_OUTBOX_TABLE } from '@cx/read-models';
import {
  OutboxTopicRelay,
  type OutboxTopicRelayDeps,
  type OutboxTopicRelayStatus,
} from './outbox-topic-relay';

export type ProfileRelayDeps = OutboxTopicRelayDeps;

export interface ProfileRelayStatus extends OutboxTopicRelayStatus {
  readonly oldestUnpublishedAgeSeconds: number | null;
}

/** A row of `profile_outbox`; the profile is read as text, so it goes out byte for byte. */
export interface ProfileOutboxRow {
  readonly position: string;
  readonly customer_id: string;
  /** The stored profile JSON; null for a tombstone. */
  readonly profile: string | null;
  readonly profile_position: string | null;
  readonly erased_at: Date | null;
  readonly created_at: Date;
}

/**
 * The message of one outbox row: keyed by customer; the profile exactly as the read model stores
 * it (and `GET /v1/customers/{id}` answers it) with the position of the latest touchpoint folded
 * into it, or a tombstone (null value) with the time of the erasure.
 */
export function toProfileMessage(row: ProfileOutboxRow): Message {
  if (row.profile === null) {
    return {
      key: row.customer_id,
      value: null,
      headers: row.erased_at === null ? {} : { cx_erased_at: row.erased_at.toISOString() },
    };
  }
  return {
    key: row.customer_id,
    value: row.profile,
    headers: {
      'content-type': 'application/json',
      cx_position: row.profile_position ?? '0',
    },
  };
}

/**
 * Publishes `profile_outbox` to the compacted `cx.customer-profiles.v1` in position order, at least
 * once (send, then move the checkpoint by compare-and-set), one active relay at a time. Rows the
 * checkpoint has passed are deleted: the outbox gets a row per changed customer per batch, nothing
 * but this relay reads it, and the compacted topic is the lasting copy.
 */
export class ProfileRelay extends OutboxTopicRelay<ProfileOutboxRow> {
  constructor(deps: ProfileRelayDeps) {
    super(
      deps,
      {
        table: PROFILE_OUTBOX_TABLE,
        columns:
          'position, customer_id, profile::text AS profile, profile_position, erased_at, created_at',
        timeColumn: 'created_at',
        channel: PROFILE_CHANNEL,
        checkpointName: PROFILE_CHECKPOINT,
        topic: TOPICS.customerProfiles,
        toMessage: toProfileMessage,
        pruneDelivered: true,
      },
      new Logger(ProfileRelay.name),
      `relay to ${TOPICS.customerProfiles}`,
    );
  }

  async status(): Promise<ProfileRelayStatus> {
    const state = await this.relay.state();
    return {
      ...OutboxTopicRelay.statusOf(state),
      oldestUnpublishedAgeSeconds: state.oldestUnpublishedAgeSeconds,
    };
  }
}
