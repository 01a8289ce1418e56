import type { Pool, PoolClient } from 'pg';
import { tracingActive, type CustomerEvent } from '@cx/contracts';
import { GroupCommitter, inTransaction, PartitionOffsetTable } from '@cx/event-store';
import { ApplySpans } from './apply-spans';
import { BatchHistories, recordApplied } from './applied-touchpoints';
import { appendInsights } from './insight-outbox';
import { appendProfiles } from './profile-outbox';
import type { ConsumedMessage } from './consumed-message';
import { PROJECTION_PROGRESS_CHANNEL } from './projection-progress';
import {
  checkRegistry,
  type PositionedTouchpoint,
  type Projection,
  type ProjectionBatch,
} from './projection';
import { APPLIED_TOUCHPOINTS, PROJECTION_OFFSETS } from './schema/read-model.schema';

/**
 * Taken shared by every projector batch and exclusively by a rebuild's switch-over, so that the
 * switch sees no batch half-way and no batch writes into a table being renamed away.
 */
export const READ_MODEL_LOCK_KEY = 0x63787270; // 'cxrp'

/** Deadlock and serialisation failure: the transaction rolled back whole, so trying again is safe. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 5;

/**
 * Runs a transaction again when Postgres aborted it for a lock conflict with a concurrent batch
 * (partitions are applied concurrently), with a short random pause so the two do not meet again.
 */
async function retryOnConflict<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (attempt >= MAX_ATTEMPTS || typeof code !== 'string' || !RETRYABLE_CODES.has(code)) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}

export type { ConsumedMessage } from './consumed-message';

export interface AppliedBatch {
  /** Touchpoints new to the read models (the others were already applied: a no-op). */
  readonly newTouchpoints: number;
  /** Derived events written, over every projection, by the transaction that applied the batch. */
  readonly insights: number;
}

export type PartitionBatchResult =
  | (AppliedBatch & {
      readonly kind: 'applied';
      /** The offset to resume from: recorded in the same transaction as the read models. */
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

/** Where a batch writes: the live tables, or (during a rebuild) fresh copies of some. */
export interface BatchTarget {
  readonly appliedTouchpoints: string;
  readonly live: boolean;
  /** Every call hands whole customer histories (the rebuild's customer-by-customer pass). */
  readonly completeHistories: boolean;
  readonly table: (name: string) => string;
}

export const LIVE_TARGET: BatchTarget = {
  appliedTouchpoints: APPLIED_TOUCHPOINTS.name,
  live: true,
  completeHistories: false,
  table: (name) => name,
};

/** Tells each message's span what the transaction did with it (before `freshIds` is consumed). */
function recordOutcomes(
  spans: ApplySpans,
  messages: readonly ConsumedMessage[],
  recorded: bigint,
  freshIds: ReadonlySet<string>,
): void {
  for (const message of messages) {
    if (message.item === null) spans.outcome(message, 'dead_lettered');
    else if (
      BigInt(message.offset) >= recorded &&
      freshIds.has(message.item.touchpoint.touchpointId)
    )
      spans.outcome(message, 'applied');
    else spans.outcome(message, 'already_applied');
  }
}

/** What the projections of one batch give the streams, gathered across projections. */
export interface Publication {
  readonly insights: readonly CustomerEvent[];
  readonly changedProfiles: readonly string[];
}

/**
 * Hands touchpoints already recorded as applied to every projection that handles them, in the
 * caller's transaction, and gathers what they publish. Nothing is written to the outboxes yet.
 */
export async function runProjections(
  client: PoolClient,
  projections: readonly Projection[],
  target: BatchTarget,
  touchpoints: readonly PositionedTouchpoint[],
): Promise<Publication> {
  const insights: CustomerEvent[] = [];
  const changedProfiles: string[] = [];
  if (touchpoints.length === 0) return { insights, changedProfiles };
  const histories = new BatchHistories(client, target.appliedTouchpoints);
  const batch: ProjectionBatch = {
    client,
    table: target.table,
    appliedTouchpoints: target.appliedTouchpoints,
    histories: (customers) => histories.of(customers),
    live: target.live,
    completeHistories: target.completeHistories,
  };
  for (const projection of projections) {
    const handled = touchpoints.filter((t) => projection.handles(t.touchpoint));
    if (handled.length === 0) continue;
    const outcome = await projection.apply(batch, handled);
    insights.push(...(outcome.insights ?? []));
    changedProfiles.push(...(outcome.changedProfiles ?? []));
  }
  return { insights, changedProfiles };
}

/**
 * Writes a batch's publication to the outboxes, profiles before insights (the order every writer
 * takes their locks in). Each outbox lock is held until COMMIT, so this is the transaction's last
 * step: a batch committing holds the locks only for these inserts, and the next batch does all its
 * projection work meanwhile instead of waiting for them.
 */
export async function writePublication(
  client: PoolClient,
  publication: Publication,
): Promise<void> {
  await appendProfiles(client, publication.changedProfiles);
  await appendInsights(client, publication.insights);
}

/**
 * Hands touchpoints already recorded as applied to every projection that handles them, and writes
 * what they publish to the outboxes, in the caller's transaction. Returns the insights written.
 */
export async function applyToProjections(
  client: PoolClient,
  projections: readonly Projection[],
  target: BatchTarget,
  touchpoints: readonly PositionedTouchpoint[],
): Promise<number> {
  const publication = await runProjections(client, projections, target, touchpoints);
  await writePublication(client, publication);
  return publication.insights.length;
}

export interface ProjectionEngineOptions {
  /** Partition batches applied together in one transaction, at most (default 16). */
  readonly maxPartitionsPerTransaction?: number;
}

interface PartitionRequest {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly ConsumedMessage[];
  readonly options: PartitionBatchOptions;
}

/**
 * Applies each partition's batch to every registered projection exactly once: the partition's
 * offset row is locked `FOR UPDATE`, messages below its `next_offset` are skipped, the touchpoints
 * new to the applied-touchpoints ledger handed to the projections, and the offset advanced, all in
 * one transaction. A crash before COMMIT leaves everything untouched; a redelivery after it is
 * skipped; a republished copy under a new offset is not new to the ledger; two instances
 * overlapping during a rebalance take turns on the row lock.
 *
 * Batches of different partitions that arrive while a transaction commits are applied together in
 * the next one (group commit): with traffic spread over every partition, a small batch per
 * partition would otherwise pay a whole transaction, its locks and its flush, for a few events.
 * If such a shared transaction fails, each batch is applied again alone, so one failing partition
 * does not hold back the others.
 */
export class ProjectionEngine {
  private readonly committer: GroupCommitter<PartitionRequest, PartitionBatchResult>;
  private readonly offsets: PartitionOffsetTable;

  constructor(
    private readonly pool: Pool,
    private readonly group: string,
    readonly projections: readonly Projection[],
    options: ProjectionEngineOptions = {},
  ) {
    checkRegistry(projections);
    this.offsets = new PartitionOffsetTable(PROJECTION_OFFSETS, group, { stampUpdatedAt: false });
    this.committer = new GroupCommitter(
      (requests) => retryOnConflict(() => this.applyTogether(requests)),
      // Two at once: while one transaction commits, the next gathers the batches arriving.
      { maxItems: options.maxPartitionsPerTransaction ?? 16, maxInFlight: 2 },
    );
  }

  async applyPartitionBatch(
    topic: string,
    partition: number,
    messages: readonly ConsumedMessage[],
    options: PartitionBatchOptions = {},
  ): Promise<PartitionBatchResult> {
    if (messages.length === 0) throw new RangeError('an empty batch has nothing to apply');
    const [result] = await this.committer.submit([{ topic, partition, messages, options }]);
    if (result === undefined) throw new Error(`no result for ${topic}[${partition}]`);
    return result;
  }

  private async applyTogether(
    requests: readonly PartitionRequest[],
  ): Promise<PartitionBatchResult[]> {
    // Tracing off: no message carries a context (the consumer did not read it), nothing to do.
    const spans = tracingActive() ? ApplySpans.start(this.group, requests) : null;
    try {
      const results = await this.applyInOneTransaction(requests, spans);
      spans?.end();
      return results;
    } catch (error) {
      spans?.end(error);
      throw error;
    }
  }

  private applyInOneTransaction(
    requests: readonly PartitionRequest[],
    spans: ApplySpans | null,
  ): Promise<PartitionBatchResult[]> {
    return inTransaction(this.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock_shared($1)', [READ_MODEL_LOCK_KEY]);
      // Offset rows locked in one order, so two instances sharing partitions during a rebalance
      // wait for each other instead of deadlocking.
      const order = requests
        .map((request, index) => ({ request, index }))
        .sort(
          (a, b) =>
            a.request.topic.localeCompare(b.request.topic) ||
            a.request.partition - b.request.partition,
        );
      const results: PartitionBatchResult[] = new Array<PartitionBatchResult>(requests.length);
      const applying: { index: number; recorded: bigint; pending: readonly ConsumedMessage[] }[] =
        [];
      for (const { request, index } of order) {
        const { topic, partition, messages, options } = request;
        const first = messages[0] as ConsumedMessage;
        const recorded = await this.offsets.lock(client, topic, partition, first.offset);
        // Kafka's committed offset can be ahead of the database's (e.g. a restored database): the
        // database is the truth, so the messages in between are fetched again rather than skipped.
        if (BigInt(first.offset) > recorded && options.acceptGap !== true) {
          results[index] = { kind: 'gap', recordedOffset: recorded.toString() };
          for (const message of messages) spans?.outcome(message, 'deferred');
          continue;
        }
        const pending = messages.filter((m) => BigInt(m.offset) >= recorded);
        applying.push({ index, recorded, pending });
      }
      const items = applying.flatMap(({ pending }) =>
        pending.flatMap((m) => (m.item === null ? [] : [m.item])),
      );
      const { fresh, publication } = await this.applyItems(client, items);
      const insights = publication.insights.length;
      const freshIds = new Set(fresh.map((f) => f.touchpoint.touchpointId));
      for (const { index, recorded, pending } of applying) {
        const { topic, partition, messages } = requests[index] as PartitionRequest;
        if (spans !== null) recordOutcomes(spans, messages, recorded, freshIds);
        const last = messages[messages.length - 1] as ConsumedMessage;
        const next = BigInt(last.offset) + 1n;
        const nextOffset = next > recorded ? next : recorded;
        if (nextOffset !== recorded) {
          await this.offsets.advance(client, topic, partition, nextOffset);
        }
        results[index] = {
          kind: 'applied',
          newTouchpoints: pending.filter(
            (m) => m.item !== null && freshIds.delete(m.item.touchpoint.touchpointId),
          ).length,
          insights,
          nextOffset: nextOffset.toString(),
          alreadyApplied: messages.length - pending.length,
        };
      }
      await writePublication(client, publication);
      return results;
    });
  }

  /** Records the touchpoints as applied and hands the new ones to the projections. */
  async applyInTransaction(
    client: PoolClient,
    items: readonly PositionedTouchpoint[],
  ): Promise<AppliedBatch> {
    const { fresh, publication } = await this.applyItems(client, items);
    await writePublication(client, publication);
    return { newTouchpoints: fresh.length, insights: publication.insights.length };
  }

  private async applyItems(
    client: PoolClient,
    items: readonly PositionedTouchpoint[],
  ): Promise<{ fresh: PositionedTouchpoint[]; publication: Publication }> {
    const fresh = await recordApplied(client, APPLIED_TOUCHPOINTS.name, items);
    const publication = await runProjections(client, this.projections, LIVE_TARGET, fresh);
    if (fresh.length === 0) return { fresh, publication };
    // Delivered at COMMIT: readers waiting for these positions (read-your-writes) look again.
    await client.query('SELECT pg_notify($1, $2)', [PROJECTION_PROGRESS_CHANNEL, '']);
    return { fresh, publication };
  }

  /** The recorded offsets of some partitions (absent: never consumed by this group). */
  readOffsets(topic: string, partitions: readonly number[]): Promise<Map<number, string>> {
    return this.offsets.read(this.pool, topic, partitions);
  }

  /**
   * Moves a partition's recorded offset back to `to`, if it still is `from` (compare-and-set):
   * used when the log no longer reaches the recorded offset because the topic or the cluster was
   * replaced. Re-reading is safe: a touchpoint already in the read models is not applied twice.
   */
  rewindOffset(topic: string, partition: number, from: string, to: string): Promise<boolean> {
    return this.offsets.rewind(this.pool, topic, partition, from, to);
  }

  /** Every recorded offset of the group on a topic. */
  async allOffsets(topic: string): Promise<Map<number, string>> {
    const { rows } = await this.pool.query<{ partition: number; next_offset: string }>(
      `SELECT partition, next_offset FROM ${PROJECTION_OFFSETS} WHERE consumer_group = $1 AND topic = $2`,
      [this.group, topic],
    );
    return new Map(rows.map((r) => [r.partition, r.next_offset]));
  }
}
