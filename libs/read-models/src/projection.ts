import type { PoolClient } from 'pg';
import type { CustomerEvent } from '@cx/contracts';
import type { Touchpoint } from '@cx/domain';
import { INSIGHT_OUTBOX_TABLE } from './insight-outbox';
import { PROFILE_OUTBOX_TABLE } from './profile-outbox';
import {
  APPLIED_TOUCHPOINTS,
  CONSENT_FOLLOW_PROGRESS,
  PROJECTION_OFFSETS,
} from './schema/read-model.schema';
import { REBUILD_SUFFIX, type TableSchema } from './schema/table-schema';

/** A touchpoint (public part only) with its event-store position. */
export interface PositionedTouchpoint {
  readonly touchpoint: Touchpoint;
  readonly position: number;
}

/** What a projection is given to apply a batch: the engine's transaction and where to write. */
export interface ProjectionBatch {
  /** The engine's transaction: the consumed offsets are recorded in it too. */
  readonly client: PoolClient;
  /** The name to use for one of the projection's own tables: the live one, or a rebuild's copy. */
  readonly table: (name: string) => string;
  /**
   * The applied-touchpoints table, this batch's touchpoints included: every customer's complete
   * (public) history, for projections that recompute from it.
   */
  readonly appliedTouchpoints: string;
  /**
   * Reads customers' complete histories from `appliedTouchpoints`, once per customer per batch
   * however many projections ask (a customer without touchpoints is absent from the map).
   */
  readonly histories: (
    customers: readonly string[],
  ) => Promise<ReadonlyMap<string, readonly PositionedTouchpoint[]>>;
  /**
   * `true` when readers have seen the tables before this batch, so a change is news (derived
   * events go out); `false` while a rebuild fills fresh copies.
   */
  readonly live: boolean;
  /**
   * `true` when the touchpoints handed over are the complete histories of their customers (as the
   * rebuild hands them), so a projection that recomputes from history need not read it again.
   */
  readonly completeHistories: boolean;
}

/**
 * What a batch gives the streams: the engine writes it to the outboxes in the batch's transaction,
 * after every projection has applied the batch (see `applyToProjections`).
 */
export interface ProjectionOutcome {
  /** Derived events for `cx.customer-insights.v1`, in the order they are to be published. */
  readonly insights?: readonly CustomerEvent[];
  /**
   * Customers whose stored profile changed in this batch: their rows of `customer_profiles` go to
   * `cx.customer-profiles.v1` as stored.
   */
  readonly changedProfiles?: readonly string[];
}

/**
 * A read model kept from the touchpoint stream. The engine hands each projection the touchpoints
 * new to the read models (a redelivered one never reaches it twice), inside the transaction that
 * also records the consumed offsets; the rebuild hands it every stored touchpoint, a customer's
 * whole history in one call. So `apply` must give the same tables whatever the order and grouping
 * of the touchpoints it is given: the projection is exact under replays, rebuilds and reordering.
 * Partitions are applied concurrently: rows shared between customers (per channel, per day…) are
 * written in a fixed order, such as sorted keys in one statement, so batches never deadlock.
 */
export interface Projection {
  /** Stable name, as `cx projections rebuild NAME` takes it. */
  readonly name: string;
  /** The tables the projection owns and alone writes; the rebuild recreates exactly these. */
  readonly tables: readonly TableSchema[];
  /** Which touchpoints the projection reads; the others never reach `apply`. */
  handles(touchpoint: Touchpoint): boolean;
  apply(
    batch: ProjectionBatch,
    touchpoints: readonly PositionedTouchpoint[],
  ): Promise<ProjectionOutcome>;
  /**
   * For projections that also read customers' consents: derives these customers again from their
   * applied histories, because their consents changed (see `ConsentFollower`).
   */
  recompute?(batch: ProjectionBatch, customerIds: readonly string[]): Promise<void>;
}

/** Tables the engine keeps for every projection; no projection may own one. */
const ENGINE_TABLES: ReadonlySet<string> = new Set([
  APPLIED_TOUCHPOINTS.name,
  PROJECTION_OFFSETS,
  INSIGHT_OUTBOX_TABLE,
  PROFILE_OUTBOX_TABLE,
  CONSENT_FOLLOW_PROGRESS,
]);

/** Refuses two projections of one name, two owners of one table, or a table the engine keeps. */
export function checkRegistry(projections: readonly Projection[]): void {
  const names = new Set<string>();
  const tables = new Map<string, string>();
  for (const projection of projections) {
    if (!/^[a-z][a-z0-9-]*$/.test(projection.name)) {
      throw new Error(`projection name '${projection.name}' must be kebab-case`);
    }
    if (names.has(projection.name)) throw new Error(`two projections named ${projection.name}`);
    names.add(projection.name);
    for (const table of projection.tables) {
      if (ENGINE_TABLES.has(table.name) || table.name.endsWith(REBUILD_SUFFIX)) {
        throw new Error(`${projection.name} may not own table ${table.name}`);
      }
      const owner = tables.get(table.name);
      if (owner !== undefined) {
        throw new Error(`table ${table.name} is owned by ${owner} and ${projection.name}`);
      }
      tables.set(table.name, projection.name);
    }
  }
}
