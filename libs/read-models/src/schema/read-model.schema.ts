import type { TableSchema } from './table-schema';

/**
 * The read-model tables every service agrees on. The projector writes them, the query service
 * reads them, the rebuild recreates them, the migration created them from these very definitions.
 * A change of shape is a new migration (and a new definition here), never an edit of the old one.
 */

/**
 * Every touchpoint the projections have applied, public part only (personal data is never kept in
 * a read model): the projector's ledger, so a redelivered touchpoint is recognised and applied to
 * no projection twice, and the history projections recompute a customer from.
 */
export const APPLIED_TOUCHPOINTS: TableSchema = {
  name: 'projection_touchpoints',
  columns: [
    'touchpoint_id TEXT NOT NULL',
    'customer_id   TEXT NOT NULL',
    'position      BIGINT NOT NULL',
    'payload       JSONB NOT NULL',
  ],
  primaryKey: ['touchpoint_id'],
  indexes: [{ name: 'projection_touchpoints_customer_idx', columns: 'customer_id' }],
};

/**
 * One row per customer. `profile` and `stage_history` are JSON, not JSONB: JSON keeps the text as
 * written, so the query API serves a profile byte for byte as `cx derive` prints it (JSONB would
 * reorder the keys). The other columns are what worklists filter on and insights compare.
 */
export const CUSTOMER_PROFILES: TableSchema = {
  name: 'customer_profiles',
  columns: [
    'customer_id      TEXT NOT NULL',
    'profile          JSON NOT NULL',
    'stage_history    JSON NOT NULL',
    'stage            TEXT',
    'phase            TEXT',
    'status           TEXT',
    'emotion_level    TEXT',
    'emotion_score    DOUBLE PRECISION NULL',
    'loyalty_side     TEXT',
    'loyalty_position INT',
    'touchpoints      INT',
    'last_position    BIGINT NOT NULL',
    'updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()',
  ],
  primaryKey: ['customer_id'],
  // Worklists page by customer within one stage / status / emotion level.
  indexes: [
    { name: 'customer_profiles_stage_idx', columns: 'stage, customer_id' },
    { name: 'customer_profiles_status_idx', columns: 'status, customer_id' },
    { name: 'customer_profiles_emotion_idx', columns: 'emotion_level, customer_id' },
  ],
};

/** The consumed offsets, one row per consumer group and partition, moved with the read models. */
export const PROJECTION_OFFSETS = 'projection_offsets';

/** One row: every consent change recorded by a transaction below `below` has been followed. */
export const CONSENT_FOLLOW_PROGRESS = 'consent_follow_progress';
