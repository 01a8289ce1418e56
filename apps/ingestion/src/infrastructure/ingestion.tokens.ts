/** Injection tokens for the ingestion service's infrastructure. */
export const INGESTION_CONFIG = Symbol('INGESTION_CONFIG');
export const PG_POOL = Symbol('PG_POOL');
export const KAFKA = Symbol('KAFKA');
/** A Kafka client with no retries, for health probes that must answer fast. */
export const KAFKA_PROBE = Symbol('KAFKA_PROBE');
export const CLOCK = Symbol('CLOCK');

export interface Clock {
  now(): Date;
}
