export const PROJECTOR_CONFIG = Symbol('PROJECTOR_CONFIG');
export const PG_POOL = Symbol('PG_POOL');
export const KAFKA = Symbol('KAFKA');
export const KAFKA_PROBE = Symbol('KAFKA_PROBE');
