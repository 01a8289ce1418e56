import { createHash, randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { Touchpoint } from '@cx/domain';
import {
  splitPersonalFields,
  tracingActive,
  type PersonalFields,
  type PublicTouchpoint,
  type SealedPersonalData,
  type TraceCarrier,
  withinSpan,
} from '@cx/contracts';
import { startAppendSpan, storedTraceContext } from './append-span';
import { canonicalJson } from './canonical-json';
import type { CustomerKey, CustomerKeys, PersonalDataCipher } from './personal-data-cipher';
import { GroupCommitter } from './group-commit';
import { inTransaction } from './transaction';

export type AppendStatus = 'accepted' | 'duplicate' | 'conflict';

export interface AppendResult {
  readonly touchpointId: string;
  readonly status: AppendStatus;
  /** The stored event's position: the new one if accepted, the first stored one otherwise. */
  readonly position: number | null;
}

export interface AppendOptions {
  /** Test hook: runs inside the transaction, after the inserts, right before COMMIT. */
  readonly beforeCommit?: () => Promise<void>;
  /**
   * The W3C trace context of the request, stored with every event of the call. With tracing on,
   * the append gets a span of its own, child of this context, and that span's context is stored.
   */
  readonly trace?: TraceCarrier | null;
}

/**
 * Told about every append that committed, so a service can measure its store without the store
 * knowing any metrics library. Called on the hot path: it must only count, never wait.
 */
export interface AppendObserver {
  /**
   * One `append` call: its results in order, and its duration in seconds from the call to the
   * commit, the wait for a shared (group) commit included.
   */
  appended(results: readonly AppendResult[], seconds: number): void;
}

/** An erasure's mark: the receipt is null until every step of the erasure is done. */
export interface ErasureMark {
  readonly erasureId: string;
  readonly erasedAt: string;
  readonly receipt: unknown;
}

interface ErasureRow {
  erasure_id: string;
  erased_at: Date;
  receipt: unknown;
}

/** Touchpoints of erased customers are refused until an admin readmits them. */
export class CustomerErasedError extends Error {
  constructor(readonly customerIds: readonly string[]) {
    super(`customer erased: ${customerIds.join(', ')}`);
    this.name = 'CustomerErasedError';
  }
}

/** A stored touchpoint, with its personal fields put back when they can still be read. */
export interface StoredTouchpoint {
  readonly position: number;
  readonly recordedAt: string;
  readonly touchpoint: Touchpoint;
  /**
   * `forgotten`: the touchpoint had personal data, but the customer's key was shredded.
   * `withheld`: it has personal data, left sealed because the reader may not see it.
   */
  readonly personalData: 'none' | 'readable' | 'forgotten' | 'withheld';
}

export interface TimelineOptions {
  /** Only events with a smaller position (the cursor of the previous page). */
  readonly before?: number;
  readonly limit: number;
  /** False leaves personal fields sealed (`withheld`): no key is even loaded. Default true. */
  readonly decrypt?: boolean;
}

/** Channel of the NOTIFY sent by every append that stored something. */
export const TOUCHPOINT_EVENTS_CHANNEL = 'cx_touchpoint_events';

/** The append-only table of every recorded touchpoint, with its global `position`. */
export const TOUCHPOINT_EVENTS_TABLE = 'touchpoint_events';

/**
 * Advisory lock key for taking positions. Why a lock: a BIGSERIAL value is handed out when the row
 * is inserted, but becomes visible at COMMIT, so with concurrent writers position 7 can become
 * visible after position 8; a relay reading `position > checkpoint` that already passed 8 would
 * skip 7 for ever. Appends therefore take `pg_advisory_xact_lock` right before their INSERT and keep
 * it until COMMIT (Postgres makes a commit visible before it releases the transaction's locks):
 * positions become visible in the order they were taken, so whatever a reader sees is a complete
 * prefix. A rolled-back append leaves a hole that never fills; the relay just passes it and never
 * waits for a position. Only the INSERT (with the read-back of ids it skipped), the NOTIFY and the
 * COMMIT run under the lock: key lookup, sealing and digests happen before it, and group commit
 * makes one lock hold serve every request that queued meanwhile.
 */
const APPEND_LOCK_KEY = 0x63787470; // 'cxtp'

/**
 * Takes the append lock in the caller's transaction, until its COMMIT: for other tables whose
 * identity must, like positions, become visible in the order it was handed out (dead letters).
 */
export async function holdAppendLock(client: PoolClient): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK_KEY]);
}

/** Digest parts: public data, then personal data (`-` none, `?` cannot be known any more). */
const NO_PERSONAL = '-';
const UNKNOWN_PERSONAL = '?';

function sameData(a: string, b: string): boolean {
  const [publicA, personalA] = a.split(':', 2);
  const [publicB, personalB] = b.split(':', 2);
  if (publicA !== publicB) return false;
  // After crypto-shredding the personal part cannot be compared; the public part decides.
  return (
    personalA === personalB || personalA === UNKNOWN_PERSONAL || personalB === UNKNOWN_PERSONAL
  );
}

interface Prepared {
  readonly touchpoint: Touchpoint;
  readonly publicPart: PublicTouchpoint;
  readonly personal: PersonalFields | null;
  readonly publicDigest: string;
  readonly trace: TraceCarrier | null;
}

interface Sealed extends Prepared {
  readonly sealed: SealedPersonalData | null;
  readonly digest: string;
}

interface StoredRow {
  touchpoint_id: string;
  position: string;
  payload_digest: string;
}

interface EventRow {
  position: string;
  recorded_at: Date;
  customer_id: string;
  payload: PublicTouchpoint;
  personal: SealedPersonalData | null;
}

/** How concurrent appends share transactions (see `GroupCommitter`). */
const GROUP_COMMIT = { maxItems: 5000, maxInFlight: 2 } as const;

export class EventStore {
  private readonly committer: GroupCommitter<Prepared, AppendResult>;

  constructor(
    private readonly pool: Pool,
    private readonly cipher: PersonalDataCipher,
    private readonly observer: AppendObserver | null = null,
  ) {
    this.committer = new GroupCommitter(
      (items) => inTransaction(this.pool, (client) => this.appendInTransaction(client, items)),
      GROUP_COMMIT,
    );
  }

  /**
   * Stores the new touchpoints of the list, all or nothing. Calls that overlap share one
   * transaction (group commit); each still succeeds or fails as a whole, and a touchpoint sent by
   * two of them is accepted once and a duplicate (or conflict) for the other, as if in sequence.
   */
  async append(
    touchpoints: readonly Touchpoint[],
    options: AppendOptions = {},
  ): Promise<AppendResult[]> {
    if (touchpoints.length === 0) return [];
    const span = tracingActive()
      ? startAppendSpan(TOUCHPOINT_EVENTS_TABLE, options.trace, touchpoints.length)
      : null;
    const prepared = this.prepare(touchpoints, storedTraceContext(span, options.trace));
    const started = performance.now();
    const { beforeCommit } = options;
    const results = await withinSpan(span, () =>
      beforeCommit === undefined
        ? this.committer.submit(prepared)
        : inTransaction(this.pool, async (client) => {
            const inserted = await this.appendInTransaction(client, prepared);
            await beforeCommit();
            return inserted;
          }),
    );
    this.observer?.appended(results, (performance.now() - started) / 1000);
    return results;
  }

  /**
   * `append` in the caller's transaction, for work that must commit with it atomically (the
   * inbound consumer's offsets and dead letters). No group commit: the caller's transaction is
   * the unit. Same checks, statuses, NOTIFY and observer as `append`; the append lock taken here
   * is held until the caller's COMMIT. A `CustomerErasedError` leaves the transaction usable
   * (nothing was written), so the caller may go on without that customer's touchpoints.
   */
  async appendWithin(
    client: PoolClient,
    touchpoints: readonly Touchpoint[],
    options: Pick<AppendOptions, 'trace'> = {},
  ): Promise<AppendResult[]> {
    if (touchpoints.length === 0) return [];
    const span = tracingActive()
      ? startAppendSpan(TOUCHPOINT_EVENTS_TABLE, options.trace, touchpoints.length)
      : null;
    const prepared = this.prepare(touchpoints, storedTraceContext(span, options.trace));
    const started = performance.now();
    const results = await withinSpan(span, () => this.appendInTransaction(client, prepared));
    this.observer?.appended(results, (performance.now() - started) / 1000);
    return results;
  }

  private prepare(touchpoints: readonly Touchpoint[], trace: TraceCarrier | null): Prepared[] {
    return touchpoints.map((touchpoint): Prepared => {
      const { publicPart, personal } = splitPersonalFields(touchpoint);
      const publicDigest = createHash('sha256').update(canonicalJson(publicPart)).digest('hex');
      return { touchpoint, publicPart, personal, publicDigest, trace };
    });
  }

  /**
   * Set-based: one INSERT takes every new touchpoint and skips the stored ones (the unique index
   * decides, so a concurrent append of the same id cannot slip in between a lookup and the
   * insert); only the touchpoints it skipped are read back, to tell duplicates from conflicts.
   */
  private async appendInTransaction(
    client: PoolClient,
    prepared: readonly Prepared[],
  ): Promise<AppendResult[]> {
    const withPersonal = prepared
      .filter((p) => p.personal !== null)
      .map((p) => p.touchpoint.customerId);
    const keys = await this.cipher.obtainKeys(withPersonal);
    const sealed = prepared.map((p) => this.seal(p, keys));

    // First occurrence of each id wins; later ones in the same call are compared to it.
    const firstOfId = new Map<string, Sealed>();
    for (const item of sealed) {
      const id = item.touchpoint.touchpointId;
      if (!firstOfId.has(id)) firstOfId.set(id, item);
    }
    const candidates = [...firstOfId.values()];

    const stored = new Map<string, { position: number; digest: string }>();
    await client.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK_KEY]);
    // Under the append lock, which an erasure takes too: an append commits before the erasure
    // (and its personal data goes with the key) or sees it here.
    const erased = await client.query<{ customer_id: string }>(
      `SELECT customer_id FROM customer_erasures
        WHERE customer_id = ANY($1::text[]) AND readmitted_at IS NULL`,
      [[...new Set(candidates.map((c) => c.touchpoint.customerId))]],
    );
    if (erased.rows.length > 0) {
      throw new CustomerErasedError(erased.rows.map((r) => r.customer_id).sort());
    }
    const { rows } = await client.query<{ touchpoint_id: string; position: string }>(
      `INSERT INTO ${TOUCHPOINT_EVENTS_TABLE}
         (touchpoint_id, customer_id, occurred_at, interaction, channel, payload, personal, payload_digest,
          traceparent, tracestate)
       SELECT id, customer, occurred::timestamptz, interaction, channel, payload::jsonb, personal::jsonb, digest,
              traceparent, tracestate
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                     $9::text[], $10::text[])
              WITH ORDINALITY AS t(id, customer, occurred, interaction, channel, payload, personal, digest,
                                   traceparent, tracestate, ord)
        ORDER BY ord
       ON CONFLICT (touchpoint_id) DO NOTHING
       RETURNING touchpoint_id, position`,
      [
        candidates.map((s) => s.touchpoint.touchpointId),
        candidates.map((s) => s.touchpoint.customerId),
        candidates.map((s) => s.touchpoint.occurredAt),
        candidates.map((s) => s.touchpoint.interaction),
        candidates.map((s) => s.touchpoint.channel),
        candidates.map((s) => JSON.stringify(s.publicPart)),
        candidates.map((s) => (s.sealed === null ? null : JSON.stringify(s.sealed))),
        candidates.map((s) => s.digest),
        candidates.map((s) => s.trace?.traceparent ?? null),
        candidates.map((s) => s.trace?.tracestate ?? null),
      ],
    );
    const inserted = new Set<string>();
    for (const row of rows) {
      inserted.add(row.touchpoint_id);
      stored.set(row.touchpoint_id, {
        position: Number(row.position),
        digest: firstOfId.get(row.touchpoint_id)?.digest ?? '',
      });
    }
    const skipped = candidates
      .map((s) => s.touchpoint.touchpointId)
      .filter((id) => !inserted.has(id));
    if (skipped.length > 0) {
      const existing = await client.query<StoredRow>(
        `SELECT touchpoint_id, position, payload_digest FROM ${TOUCHPOINT_EVENTS_TABLE}
          WHERE touchpoint_id = ANY($1::text[])`,
        [skipped],
      );
      for (const row of existing.rows) {
        stored.set(row.touchpoint_id, {
          position: Number(row.position),
          digest: row.payload_digest,
        });
      }
    }
    if (rows.length > 0) {
      await client.query('SELECT pg_notify($1, $2)', [TOUCHPOINT_EVENTS_CHANNEL, '']);
    }

    const reported = new Set<string>();
    return sealed.map((item): AppendResult => {
      const touchpointId = item.touchpoint.touchpointId;
      const winner = stored.get(touchpointId);
      if (winner === undefined) {
        throw new Error(`touchpoint ${touchpointId} neither inserted nor found`);
      }
      const first = !reported.has(touchpointId);
      reported.add(touchpointId);
      if (first && inserted.has(touchpointId)) {
        return { touchpointId, status: 'accepted', position: winner.position };
      }
      return {
        touchpointId,
        status: sameData(winner.digest, item.digest) ? 'duplicate' : 'conflict',
        position: winner.position,
      };
    });
  }

  private seal(item: Prepared, keys: CustomerKeys): Sealed {
    if (item.personal === null) {
      return { ...item, sealed: null, digest: `${item.publicDigest}:${NO_PERSONAL}` };
    }
    const key = keys.get(item.touchpoint.customerId);
    if (!key) {
      // The customer was forgotten: new personal data of theirs is not kept either.
      return { ...item, sealed: null, digest: `${item.publicDigest}:${UNKNOWN_PERSONAL}` };
    }
    return {
      ...item,
      sealed: this.cipher.seal(key, item.touchpoint.touchpointId, item.personal),
      digest: `${item.publicDigest}:${this.cipher.mac(key, canonicalJson(item.personal))}`,
    };
  }

  /**
   * Marks a customer erased, under the append lock: every append either committed before this
   * (its personal data goes with the key destroyed next) or sees the mark and is refused. Erasing
   * an erased customer again returns the first mark; erasing a readmitted one marks anew.
   */
  async markErased(customerId: string, requestedBy: string): Promise<ErasureMark> {
    return inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [APPEND_LOCK_KEY]);
      const { rows } = await client.query<ErasureRow>(
        `INSERT INTO customer_erasures (customer_id, erasure_id, requested_by)
         VALUES ($1, $2, $3)
         ON CONFLICT (customer_id) DO UPDATE
           SET erasure_id = EXCLUDED.erasure_id, requested_by = EXCLUDED.requested_by,
               erased_at = now(), receipt = NULL, readmitted_at = NULL, readmitted_by = NULL
           WHERE customer_erasures.readmitted_at IS NOT NULL
         RETURNING erasure_id, erased_at, receipt`,
        [customerId, randomUUID(), requestedBy],
      );
      const row =
        rows[0] ??
        (
          await client.query<ErasureRow>(
            'SELECT erasure_id, erased_at, receipt FROM customer_erasures WHERE customer_id = $1',
            [customerId],
          )
        ).rows[0];
      if (row === undefined) throw new Error(`no erasure mark for ${customerId}`);
      return {
        erasureId: row.erasure_id,
        erasedAt: row.erased_at.toISOString(),
        receipt: row.receipt,
      };
    });
  }

  /** Lets an erased customer's touchpoints in again; false when they are not erased. */
  async readmit(customerId: string, by: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE customer_erasures SET readmitted_at = now(), readmitted_by = $2
        WHERE customer_id = $1 AND readmitted_at IS NULL`,
      [customerId, by],
    );
    return rowCount === 1;
  }

  /** A customer's events, newest (highest position) first. */
  async readCustomerTimeline(
    customerId: string,
    options: TimelineOptions,
  ): Promise<StoredTouchpoint[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT position, recorded_at, customer_id, payload, personal FROM touchpoint_events
        WHERE customer_id = $1 AND ($2::bigint IS NULL OR position < $2::bigint)
        ORDER BY position DESC LIMIT $3`,
      [customerId, options.before ?? null, options.limit],
    );
    if (options.decrypt === false) return rows.map(withheld);
    return this.decode(rows);
  }

  /** Every event after a position, ascending, decrypted where readable. Holes (rolled-back appends) are skipped. */
  async readAll(afterPosition: number, limit: number): Promise<StoredTouchpoint[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT position, recorded_at, customer_id, payload, personal FROM touchpoint_events
        WHERE position > $1 ORDER BY position LIMIT $2`,
      [afterPosition, limit],
    );
    return this.decode(rows);
  }

  /**
   * The highest position P such that every position up to P is settled: committed, or rolled back
   * for good (a hole). Positions become visible in order, so the visible head is settled; when no
   * append is in flight (the append lock is free, and our shared hold keeps it so for the moment),
   * every position the sequence has handed out is settled, holes at the top included.
   */
  async settledPosition(): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ free: boolean }>(
        'SELECT pg_try_advisory_xact_lock_shared($1) AS free',
        [APPEND_LOCK_KEY],
      );
      if (rows[0]?.free === true) {
        const issued = await client.query<{ issued: string }>(
          `SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END AS issued
             FROM touchpoint_events_position_seq`,
        );
        return Number(issued.rows[0]?.issued ?? 0);
      }
      const head = await client.query<{ head: string | null }>(
        `SELECT max(position) AS head FROM ${TOUCHPOINT_EVENTS_TABLE}`,
      );
      return Number(head.rows[0]?.head ?? 0);
    });
  }

  /** The highest committed position, 0 when empty. */
  async headPosition(): Promise<number> {
    const { rows } = await this.pool.query<{ head: string | null }>(
      'SELECT max(position) AS head FROM touchpoint_events',
    );
    return Number(rows[0]?.head ?? 0);
  }

  private async decode(rows: readonly EventRow[]): Promise<StoredTouchpoint[]> {
    const keys = await this.cipher.loadKeys(
      rows.filter((r) => r.personal !== null).map((r) => r.customer_id),
    );
    return rows.map((row): StoredTouchpoint => {
      const base = {
        position: Number(row.position),
        recordedAt: row.recorded_at.toISOString(),
      };
      if (row.personal === null) {
        return { ...base, touchpoint: row.payload, personalData: 'none' };
      }
      const key: CustomerKey | null | undefined = keys.get(row.customer_id);
      // A readmitted customer has a new key, which opens nothing sealed under the destroyed one.
      if (!key || key.keyId !== row.personal.keyId) {
        return { ...base, touchpoint: row.payload, personalData: 'forgotten' };
      }
      const personal = this.cipher.open(key, row.payload.touchpointId, row.personal);
      return {
        ...base,
        touchpoint: { ...row.payload, ...personal },
        personalData: 'readable',
      };
    });
  }
}

/** A stored row as a reader without the right to personal data gets it. */
function withheld(row: EventRow): StoredTouchpoint {
  return {
    position: Number(row.position),
    recordedAt: row.recorded_at.toISOString(),
    touchpoint: row.payload,
    personalData: row.personal === null ? 'none' : 'withheld',
  };
}
