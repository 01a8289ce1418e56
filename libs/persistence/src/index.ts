export { createDataSource, runMigrations, MIGRATIONS } from './data-source';
export { canonicalJson } from './canonical-json';
export {
  PersonalDataCipher,
  type CustomerKey,
  type CustomerKeys,
  type PersonalDataCipherOptions,
  type Queryable,
} from './personal-data-cipher';
export {
  EventStore,
  TOUCHPOINT_EVENTS_CHANNEL,
  type AppendOptions,
  type AppendResult,
  type AppendStatus,
  type StoredTouchpoint,
  type TimelineOptions,
} from './event-store';
export { eventStoreProviders } from './event-store.providers';
export { OutboxRelay, type OutboxRelayDeps, type OutboxRelayStatus } from './outbox-relay';
