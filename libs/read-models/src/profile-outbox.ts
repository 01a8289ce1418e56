import type { PoolClient } from 'pg';
import { CUSTOMER_PROFILES } from './schema/read-model.schema';

/** NOTIFY channel of the profile outbox, so the relay publishes without waiting for its poll. */
export const PROFILE_CHANNEL = 'cx_profile_outbox';

/**
 * The outbox of `cx.customer-profiles.v1`: one row per change of a customer's published profile
 * (the stored profile text, or a null profile for a tombstone), relayed in position order.
 */
export const PROFILE_OUTBOX_TABLE = 'profile_outbox';

/** The relay checkpoint of the profile outbox (the migration creates its row). */
export const PROFILE_CHECKPOINT = 'customer-profiles';

/**
 * Serialises inserts into the profile outbox until COMMIT, so positions become visible in commit
 * order and the relay's `position > checkpoint` never skips a late commit. Every writer takes it
 * before the insight outbox's lock (never after), so the two locks cannot deadlock.
 */
const PROFILE_APPEND_LOCK_KEY = 0x63787066; // 'cxpf'

/**
 * A customer whose erasure stands has a tombstone on the topic: nothing of theirs is published
 * again until they are readmitted.
 */
const NOT_ERASED = (alias: string): string =>
  `NOT EXISTS (SELECT 1 FROM customer_erasures e
                WHERE e.customer_id = ${alias}.customer_id AND e.readmitted_at IS NULL)`;

async function lockOutbox(client: PoolClient): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [PROFILE_APPEND_LOCK_KEY]);
}

async function notifyRelay(client: PoolClient): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [PROFILE_CHANNEL, '']);
}

/**
 * Queues the stored profiles of these customers, in customer order, in the caller's transaction
 * (the one that wrote them to `customer_profiles`): the outbox copies the row's text, so the topic
 * carries byte for byte what the table holds. Erased customers are left out: the erasure's
 * tombstone stands. Returns the rows written.
 */
export async function appendProfiles(
  client: PoolClient,
  customerIds: readonly string[],
): Promise<number> {
  if (customerIds.length === 0) return 0;
  await lockOutbox(client);
  // Read after the lock: an erasure that committed its tombstone before is seen here.
  const { rowCount } = await client.query(
    `INSERT INTO ${PROFILE_OUTBOX_TABLE} (customer_id, profile, profile_position)
     SELECT p.customer_id, p.profile, p.last_position FROM ${CUSTOMER_PROFILES.name} p
      WHERE p.customer_id = ANY($1::text[]) AND ${NOT_ERASED('p')}
      ORDER BY p.customer_id`,
    [customerIds],
  );
  if ((rowCount ?? 0) > 0) await notifyRelay(client);
  return rowCount ?? 0;
}

/** Queues the tombstone of an erased customer, in the erasure's transaction. */
export async function appendProfileTombstone(
  client: PoolClient,
  customerId: string,
  erasedAt: string,
): Promise<void> {
  await lockOutbox(client);
  await client.query(
    `INSERT INTO ${PROFILE_OUTBOX_TABLE} (customer_id, profile, erased_at) VALUES ($1, NULL, $2)`,
    [customerId, erasedAt],
  );
  await notifyRelay(client);
}

/**
 * Queues a readmitted customer's stored profile again (their erasure tombstoned it), if they have
 * one and their erasure no longer stands.
 */
export async function republishProfile(client: PoolClient, customerId: string): Promise<number> {
  await lockOutbox(client);
  const { rowCount } = await client.query(
    `INSERT INTO ${PROFILE_OUTBOX_TABLE} (customer_id, profile, profile_position)
     SELECT p.customer_id, p.profile, p.last_position FROM ${CUSTOMER_PROFILES.name} p
      WHERE p.customer_id = $1 AND ${NOT_ERASED('p')}`,
    [customerId],
  );
  if ((rowCount ?? 0) > 0) await notifyRelay(client);
  return rowCount ?? 0;
}

/**
 * At a rebuild's switch-over: queues, in customer order, every customer whose profile differs
 * between the live table and its rebuilt copy — a new or changed profile, or a tombstone when the
 * customer is gone — so the topic keeps holding exactly the read model. Identical profiles write
 * nothing. Erased customers are left out, as everywhere.
 */
export async function appendProfileDifferences(
  client: PoolClient,
  liveTable: string,
  rebuiltTable: string,
): Promise<number> {
  await lockOutbox(client);
  const { rowCount } = await client.query(
    `INSERT INTO ${PROFILE_OUTBOX_TABLE} (customer_id, profile, profile_position)
     SELECT d.customer_id, n.profile, n.last_position
       FROM (SELECT COALESCE(n.customer_id, o.customer_id) AS customer_id
               FROM ${liveTable} o FULL JOIN ${rebuiltTable} n ON n.customer_id = o.customer_id
              WHERE o.customer_id IS NULL OR n.customer_id IS NULL
                 OR o.profile::text <> n.profile::text) d
       LEFT JOIN ${rebuiltTable} n ON n.customer_id = d.customer_id
      WHERE ${NOT_ERASED('d')}
      ORDER BY d.customer_id`,
  );
  if ((rowCount ?? 0) > 0) await notifyRelay(client);
  return rowCount ?? 0;
}
