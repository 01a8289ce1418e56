export { applyMigrations, EVENT_STORE_MIGRATIONS, type MigrationClass } from './run-migrations';
export { canonicalJson } from './canonical-json';
export {
  PersonalDataCipher,
  type CustomerKey,
  type CustomerKeys,
  type PersonalDataCipherOptions,
  type Queryable,
} from './personal-data-cipher';
export {
  CustomerErasedError,
  EventStore,
  holdAppendLock,
  TOUCHPOINT_EVENTS_CHANNEL,
  TOUCHPOINT_EVENTS_TABLE,
  type AppendObserver,
  type AppendOptions,
  type AppendResult,
  type AppendStatus,
  type ErasureMark,
  type StoredTouchpoint,
  type TimelineOptions,
} from './event-store';
export { inTransaction } from './transaction';
export { PartitionOffsetTable, type PartitionOffsetTableOptions } from './partition-offset-table';
export { isStoreUnavailable } from './store-unavailable';
export { GroupCommitter, type GroupCommitOptions } from './group-commit';
export {
  apiKeyStatus,
  ApiKeyStore,
  looksLikeApiKey,
  type ApiKeyStatus,
  type ApiKeyRecord,
  type IssuedApiKey,
  type IssueOptions,
} from './access/api-key-store';
export { keystoreUrlFor, prepareKeystore, sameDatabase } from './keystore';
export {
  AuditLog,
  type AuditEntry,
  type AuditFilter,
  type StoredAuditEntry,
} from './access/audit-log';
export {
  ConsentStore,
  type ConsentAppendResult,
  type RecordedConsent,
  type StoredConsent,
} from './consent-store';
export { admitInbound, type Admission } from './inbound/admit-inbound';
export {
  DEAD_LETTER_OUTBOX_VIEW,
  DEAD_LETTERS_CHANNEL,
  DEAD_LETTERS_TABLE,
  DeadLetterStore,
  forgetDeadLetterValues,
  type DeadLetterFilter,
  type MessageSource,
  type NewDeadLetter,
  type ReplayAttempt,
  type ReplayOutcome,
  type StoredDeadLetter,
} from './inbound/dead-letter-store';
export {
  INBOUND_OFFSETS_TABLE,
  InboundIntake,
  type InboundBatchOptions,
  type InboundBatchResult,
  type InboundMessage,
} from './inbound/inbound-intake';
