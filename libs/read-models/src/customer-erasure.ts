import type { Pool } from 'pg';
import { CUSTOMER_ERASED_TYPE, TOPICS } from '@cx/contracts';
import {
  forgetDeadLetterValues,
  inTransaction,
  type EventStore,
  type PersonalDataCipher,
} from '@cx/event-store';
import { appendInsights } from './insight-outbox';
import { appendProfileTombstone, republishProfile } from './profile-outbox';

/** One thing an erasure did, or found there was nothing to do. */
export interface ErasureStep {
  readonly where: string;
  readonly what: string;
}

/** What an erasure did, where and when: kept with the erasure, answered again on a repeat. */
export interface ErasureReceipt {
  readonly erasureId: string;
  readonly customerId: string;
  readonly requestedBy: string;
  readonly erasedAt: string;
  readonly completedAt: string;
  readonly steps: readonly ErasureStep[];
  /** What stays, because it is not personal data. */
  readonly kept: readonly string[];
  /** The one copy this erasure cannot reach, said plainly. */
  readonly caveat: string;
}

export interface ErasureOutcome {
  readonly receipt: ErasureReceipt;
  /** False when the customer was already erased: the receipt is the first erasure's. */
  readonly performed: boolean;
}

interface Counts {
  total: string;
  sealed: string;
  profiled: boolean;
}

/**
 * Erases a customer: marks them erased (ingestion refuses them with 410 from then on), destroys
 * their data key, which makes every sealed copy of their personal data unreadable (event store,
 * topics, dead letters, old dumps of the event store), and queues `cx.customer.erased.v1`. Every
 * step can run again, so an erasure interrupted half-way is completed by asking again.
 */
export class CustomerErasure {
  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly cipher: PersonalDataCipher,
    /** Whether the key store is a database apart from the event store's (the default). */
    private readonly keysApart: boolean,
  ) {}

  async erase(customerId: string, requestedBy: string): Promise<ErasureOutcome> {
    const mark = await this.store.markErased(customerId, requestedBy);
    if (mark.receipt !== null) return { receipt: mark.receipt as ErasureReceipt, performed: false };
    const destroyed = await this.cipher.forget(customerId);
    const { rows } = await this.pool.query<Counts>(
      `SELECT count(*) AS total, count(personal) AS sealed,
              EXISTS (SELECT 1 FROM customer_profiles WHERE customer_id = $1) AS profiled
         FROM touchpoint_events WHERE customer_id = $1`,
      [customerId],
    );
    const counts = rows[0] ?? { total: '0', sealed: '0', profiled: false };
    return inTransaction(this.pool, async (client) => {
      // A concurrent erasure of the same customer may have finished first: its receipt stands.
      const current = await client.query<{ receipt: ErasureReceipt | null; erasure_id: string }>(
        'SELECT receipt, erasure_id FROM customer_erasures WHERE customer_id = $1 FOR UPDATE',
        [customerId],
      );
      const row = current.rows[0];
      if (row?.receipt !== null && row?.receipt !== undefined) {
        return { receipt: row.receipt, performed: false };
      }
      // The tombstone first: every writer takes the profile outbox's lock before the insights'.
      await appendProfileTombstone(client, customerId, mark.erasedAt);
      await appendInsights(client, [
        {
          type: CUSTOMER_ERASED_TYPE,
          customerId,
          erasureId: mark.erasureId,
          erasedAt: mark.erasedAt,
        },
      ]);
      const deadLetters = await forgetDeadLetterValues(client, customerId);
      const receipt = this.receipt(customerId, requestedBy, mark, destroyed, counts, deadLetters);
      await client.query('UPDATE customer_erasures SET receipt = $2 WHERE customer_id = $1', [
        customerId,
        JSON.stringify(receipt),
      ]);
      return { receipt, performed: true };
    });
  }

  /**
   * Lets the customer's touchpoints in again, under a new key, and publishes their stored profile
   * again (the erasure tombstoned it); false when not erased.
   */
  async readmit(customerId: string, by: string): Promise<boolean> {
    const readmitted = await this.store.readmit(customerId, by);
    if (readmitted) {
      await this.cipher.readmit(customerId);
      await inTransaction(this.pool, (client) => republishProfile(client, customerId));
    }
    return readmitted;
  }

  private receipt(
    customerId: string,
    requestedBy: string,
    mark: { erasureId: string; erasedAt: string },
    destroyed: { keyId: string | null; destroyedAt: string },
    counts: Counts,
    deadLetters: number,
  ): ErasureReceipt {
    const sealed = Number(counts.sealed);
    const total = Number(counts.total);
    return {
      erasureId: mark.erasureId,
      customerId,
      requestedBy,
      erasedAt: mark.erasedAt,
      completedAt: new Date().toISOString(),
      steps: [
        {
          where: 'ingestion',
          what: 'touchpoints for this customer are refused (410 customer_erased) until an admin readmits the id',
        },
        {
          where: 'key store (customer_keys)',
          what:
            destroyed.keyId === null
              ? `no data key existed: no personal data of this customer was ever stored (checked ${destroyed.destroyedAt})`
              : `data key ${destroyed.keyId} destroyed at ${destroyed.destroyedAt}`,
        },
        {
          where: 'event store (touchpoint_events)',
          what: `${sealed} of ${total} touchpoints carry personal data sealed under that key: unreadable from now on, here and in every dump of the event store, earlier ones included`,
        },
        {
          where: `Kafka ${TOPICS.touchpoints} and ${TOPICS.touchpointsDeadLetter}`,
          what: 'their copies of those touchpoints carry the same sealed data: unreadable from now on',
        },
        {
          where: 'dead letters of the inbound topic (dead_letters)',
          what: `${deadLetters} kept message value(s) of this customer removed; what was already published to ${TOPICS.touchpointsDeadLetter} is the producer's own message and stays as sent`,
        },
        {
          where: 'read models',
          what: counts.profiled
            ? 'hold no personal data (the public part of touchpoints only): nothing to remove'
            : 'hold nothing of this customer',
        },
        {
          where: `Kafka ${TOPICS.customerInsights}`,
          what: `${CUSTOMER_ERASED_TYPE} queued, keyed by customer, published by the projector's relay`,
        },
        {
          where: `Kafka ${TOPICS.customerProfiles}`,
          what: "a tombstone queued under the customer's key, published by the projector's relay: compaction removes their profile from the topic",
        },
      ],
      kept: [
        'the non-personal part of every touchpoint (what happened, when, on which channel, scores)',
        "the customer's profile (stage, emotion, loyalty) and every aggregate metric",
      ],
      caveat: this.keysApart
        ? 'a backup of the key store database taken before this erasure still holds the key: keep such backups briefly or not at all'
        : 'the key store shares the event store database (CX_KEYSTORE_URL): dumps of it taken before this erasure still hold the key',
    };
  }
}
