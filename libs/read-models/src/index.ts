export {
  type PositionedTouchpoint,
  type Projection,
  type ProjectionBatch,
  type ProjectionOutcome,
} from './projection';
export {
  LIVE_TARGET,
  ProjectionEngine,
  type ProjectionEngineOptions,
  READ_MODEL_LOCK_KEY,
  type AppliedBatch,
  type ConsumedMessage,
  type PartitionBatchOptions,
  type PartitionBatchResult,
} from './projection-engine';
export { rebuildProjections, type RebuildOptions, type RebuildResult } from './projection-rebuild';
export { readHistories } from './applied-touchpoints';
export {
  appendInsights,
  INSIGHT_CHANNEL,
  INSIGHT_CHECKPOINT,
  INSIGHT_OUTBOX_TABLE,
} from './insight-outbox';
export {
  appendProfileDifferences,
  appendProfiles,
  appendProfileTombstone,
  PROFILE_CHANNEL,
  PROFILE_CHECKPOINT,
  PROFILE_OUTBOX_TABLE,
} from './profile-outbox';
export {
  PROJECTION_PROGRESS_CHANNEL,
  ProjectionProgress,
  type AwaitedRead,
} from './projection-progress';
export {
  ReadModelQueries,
  type CustomerFilter,
  type CustomerReadModel,
  type CustomerSummary,
} from './read-model.queries';
export {
  APPLIED_TOUCHPOINTS,
  CONSENT_FOLLOW_PROGRESS,
  CUSTOMER_PROFILES,
} from './schema/read-model.schema';
export * from './schema/analytics.schema';
export { AnalyticsQueries, type ComplaintMetricsRow } from './analytics.queries';
export { ConsentFollower, type ConsentFollowerOptions } from './consent-follower';
export { createStatements, createTableStatement, type TableSchema } from './schema/table-schema';
export { DATABASE_MIGRATIONS, migrateDatabase } from './migrate-database';
export {
  CustomerErasure,
  type ErasureOutcome,
  type ErasureReceipt,
  type ErasureStep,
} from './customer-erasure';
