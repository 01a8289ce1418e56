import type { TableSchema } from './table-schema';

/**
 * The CX analytics read models (spec §5). Two levels, so that a query over a year of a million
 * customers reads a few thousand rows and never the touchpoints:
 * - facts, one row per counted survey answer or complaint, kept per customer so that a customer's
 *   contribution can be replaced when their history, consents or current stage change;
 * - cells, the facts' counters summed per time slot and per group, which queries add up.
 * Every counter is an integer, so cells add up exactly in any order: rebuilt equals live.
 */

/**
 * Per customer: the current stage and status their figures are grouped under, and since when
 * they are lost (their latest counted cancellation, while no counted purchase came after it).
 */
export const ANALYTICS_CUSTOMERS: TableSchema = {
  name: 'analytics_customers',
  columns: [
    'customer_id TEXT NOT NULL',
    'stage       TEXT NOT NULL',
    'status      TEXT NOT NULL',
    'lost_at     TIMESTAMPTZ NULL',
  ],
  primaryKey: ['customer_id'],
  indexes: [{ name: 'analytics_customers_lost_idx', columns: 'lost_at' }],
};

/** One row per counted touchpoint that carries a survey answer (NPS, CSAT and/or CES). */
export const ANALYTICS_ANSWERS: TableSchema = {
  name: 'analytics_answers',
  columns: [
    'customer_id    TEXT NOT NULL',
    'touchpoint_id  TEXT NOT NULL',
    'occurred_at    TIMESTAMPTZ NOT NULL',
    'channel        TEXT NOT NULL',
    'category       TEXT NOT NULL',
    'pillar         TEXT NULL',
    'touchpoint_name TEXT NULL',
    'nps            SMALLINT NULL',
    'csat           SMALLINT NULL',
    'ces            SMALLINT NULL',
  ],
  primaryKey: ['customer_id', 'touchpoint_id'],
  // Window edges that cut through a cell are read from the answers themselves.
  indexes: [{ name: 'analytics_answers_time_idx', columns: 'occurred_at' }],
};

/**
 * Answer counters per grain (`q`: a quarter of an hour, which every zone's midnight falls on
 * today; `h`: an hour; `d`: a UTC day), slot start, dimension (`''` for no grouping, else the groupBy name) and
 * group value (`''` for touchpoints without one: no group value is ever empty).
 */
export const ANALYTICS_ANSWER_CELLS: TableSchema = {
  name: 'analytics_answer_cells',
  columns: [
    'grain        "char" NOT NULL',
    'dim          TEXT NOT NULL',
    'slot         TIMESTAMPTZ NOT NULL',
    'value        TEXT NOT NULL',
    'nps_answers  BIGINT NOT NULL',
    'promoters    BIGINT NOT NULL',
    'detractors   BIGINT NOT NULL',
    'csat_answers BIGINT NOT NULL',
    'satisfied    BIGINT NOT NULL',
    'ces_answers  BIGINT NOT NULL',
    'ces_sum      BIGINT NOT NULL',
  ],
  primaryKey: ['grain', 'dim', 'slot', 'value'],
  indexes: [],
};

/** One row per counted complaint: its counted opening and, once resolved, its counted resolution. */
export const ANALYTICS_COMPLAINTS: TableSchema = {
  name: 'analytics_complaints',
  columns: [
    'customer_id  TEXT NOT NULL',
    'complaint_id TEXT NOT NULL',
    'channel      TEXT NOT NULL',
    'opened_at    TIMESTAMPTZ NOT NULL',
    'resolved_at  TIMESTAMPTZ NULL',
    // milliseconds, never negative: a resolution dated before its opening counts as at once
    'resolve_ms   BIGINT NULL',
    'within_sla   BOOLEAN NULL',
  ],
  primaryKey: ['customer_id', 'complaint_id'],
  indexes: [
    { name: 'analytics_complaints_opened_idx', columns: 'opened_at' },
    { name: 'analytics_complaints_resolved_idx', columns: 'resolved_at' },
  ],
};

/** One row per counted purchase or repurchase carrying a `value`; amounts exact (numeric). */
export const ANALYTICS_PURCHASES: TableSchema = {
  name: 'analytics_purchases',
  columns: [
    'customer_id    TEXT NOT NULL',
    'touchpoint_id  TEXT NOT NULL',
    'occurred_at    TIMESTAMPTZ NOT NULL',
    'currency       TEXT NOT NULL',
    'amount         NUMERIC NOT NULL',
    'channel        TEXT NOT NULL',
    'category       TEXT NOT NULL',
    'pillar         TEXT NULL',
    'touchpoint_name TEXT NULL',
  ],
  primaryKey: ['customer_id', 'touchpoint_id'],
  indexes: [{ name: 'analytics_purchases_time_idx', columns: 'occurred_at' }],
};

/** Revenue per grain, slot, dimension, group value (as the answer cells) and currency. */
export const ANALYTICS_REVENUE_CELLS: TableSchema = {
  name: 'analytics_revenue_cells',
  columns: [
    'grain     "char" NOT NULL',
    'dim       TEXT NOT NULL',
    'slot      TIMESTAMPTZ NOT NULL',
    'value     TEXT NOT NULL',
    'currency  TEXT NOT NULL',
    'amount    NUMERIC NOT NULL',
    'purchases BIGINT NOT NULL',
  ],
  primaryKey: ['grain', 'dim', 'slot', 'value', 'currency'],
  indexes: [],
};

/** Each customer's lifetime value to date per currency: the sum of their counted purchases. */
export const ANALYTICS_CUSTOMER_VALUE: TableSchema = {
  name: 'analytics_customer_value',
  columns: [
    'customer_id TEXT NOT NULL',
    'currency    TEXT NOT NULL',
    'amount      NUMERIC NOT NULL',
    'purchases   BIGINT NOT NULL',
  ],
  primaryKey: ['customer_id', 'currency'],
  indexes: [],
};

/** Lifetime values summed per current stage and currency, for the mean CLV per stage. */
export const ANALYTICS_VALUE_BY_STAGE: TableSchema = {
  name: 'analytics_value_by_stage',
  columns: [
    'stage     TEXT NOT NULL',
    'currency  TEXT NOT NULL',
    'customers BIGINT NOT NULL',
    'amount    NUMERIC NOT NULL',
  ],
  primaryKey: ['stage', 'currency'],
  indexes: [],
};

/** One row per counted cancellation. */
export const ANALYTICS_CANCELLATIONS: TableSchema = {
  name: 'analytics_cancellations',
  columns: [
    'customer_id   TEXT NOT NULL',
    'touchpoint_id TEXT NOT NULL',
    'occurred_at   TIMESTAMPTZ NOT NULL',
  ],
  primaryKey: ['customer_id', 'touchpoint_id'],
  indexes: [{ name: 'analytics_cancellations_time_idx', columns: 'occurred_at' }],
};

/** Cancellations, and customers lost since, per grain and slot. */
export const ANALYTICS_CHURN_CELLS: TableSchema = {
  name: 'analytics_churn_cells',
  columns: [
    'grain         "char" NOT NULL',
    'slot          TIMESTAMPTZ NOT NULL',
    'cancellations BIGINT NOT NULL',
    'lost          BIGINT NOT NULL',
  ],
  primaryKey: ['grain', 'slot'],
  indexes: [],
};

/** Every entry of a customer into a stage, and whether the next change took them higher. */
export const ANALYTICS_STAGE_ENTRIES: TableSchema = {
  name: 'analytics_stage_entries',
  columns: [
    'customer_id TEXT NOT NULL',
    'seq         INT NOT NULL',
    'stage       TEXT NOT NULL',
    'entered_at  TIMESTAMPTZ NOT NULL',
    'rose        BOOLEAN NOT NULL',
  ],
  primaryKey: ['customer_id', 'seq'],
  indexes: [{ name: 'analytics_stage_entries_time_idx', columns: 'entered_at' }],
};

/** Stage entries, and those that rose next, per grain, slot and stage. */
export const ANALYTICS_ENTRY_CELLS: TableSchema = {
  name: 'analytics_entry_cells',
  columns: [
    'grain   "char" NOT NULL',
    'slot    TIMESTAMPTZ NOT NULL',
    'stage   TEXT NOT NULL',
    'entered BIGINT NOT NULL',
    'rose    BIGINT NOT NULL',
  ],
  primaryKey: ['grain', 'slot', 'stage'],
  indexes: [],
};

/** Customers per current stage and status. */
export const ANALYTICS_STAGE_COUNTS: TableSchema = {
  name: 'analytics_stage_counts',
  columns: ['stage TEXT NOT NULL', 'status TEXT NOT NULL', 'customers BIGINT NOT NULL'],
  primaryKey: ['stage', 'status'],
  indexes: [],
};

/** One row per perception pair (§6): the company's assessment and the customer's score. */
export const ANALYTICS_PERCEPTION_PAIRS: TableSchema = {
  name: 'analytics_perception_pairs',
  columns: [
    'customer_id     TEXT NOT NULL',
    'touchpoint_id   TEXT NOT NULL',
    'touchpoint_name TEXT NULL',
    'channel         TEXT NOT NULL',
    'company         SMALLINT NOT NULL',
    // the customer's score as the shortest decimal of its double, so sums are exact
    'customer        NUMERIC NOT NULL',
  ],
  primaryKey: ['customer_id', 'touchpoint_id'],
  indexes: [],
};

/** Perception pairs summed per dimension (`touchpointName`, `channel`) and value. */
export const ANALYTICS_PERCEPTION_TOTALS: TableSchema = {
  name: 'analytics_perception_totals',
  columns: [
    'dim          TEXT NOT NULL',
    'value        TEXT NOT NULL',
    'pairs        BIGINT NOT NULL',
    'company_sum  BIGINT NOT NULL',
    'customer_sum NUMERIC NOT NULL',
  ],
  primaryKey: ['dim', 'value'],
  indexes: [],
};

/** One row per counted passage through a named touchpoint, and what followed it (moments of truth). */
export const ANALYTICS_PASSAGES: TableSchema = {
  name: 'analytics_passages',
  columns: [
    'customer_id     TEXT NOT NULL',
    'touchpoint_id   TEXT NOT NULL',
    'touchpoint_name TEXT NOT NULL',
    'occurred_at     TIMESTAMPTZ NOT NULL',
    'flagged         BOOLEAN NOT NULL',
    'valence_sum     NUMERIC NOT NULL',
    'signals         INT NOT NULL',
    'dropped         BOOLEAN NOT NULL',
    'rose            BOOLEAN NOT NULL',
  ],
  primaryKey: ['customer_id', 'touchpoint_id'],
  indexes: [{ name: 'analytics_passages_time_idx', columns: 'occurred_at' }],
};

export const ANALYTICS_TABLES: readonly TableSchema[] = [
  ANALYTICS_CUSTOMERS,
  ANALYTICS_ANSWERS,
  ANALYTICS_ANSWER_CELLS,
  ANALYTICS_COMPLAINTS,
  ANALYTICS_PURCHASES,
  ANALYTICS_REVENUE_CELLS,
  ANALYTICS_CUSTOMER_VALUE,
  ANALYTICS_VALUE_BY_STAGE,
  ANALYTICS_CANCELLATIONS,
  ANALYTICS_CHURN_CELLS,
  ANALYTICS_STAGE_ENTRIES,
  ANALYTICS_ENTRY_CELLS,
  ANALYTICS_STAGE_COUNTS,
  ANALYTICS_PERCEPTION_PAIRS,
  ANALYTICS_PERCEPTION_TOTALS,
  ANALYTICS_PASSAGES,
];
