/** Injection tokens for the query service's infrastructure. */
export const QUERY_CONFIG = Symbol('QUERY_CONFIG');
export const PG_POOL = Symbol('PG_POOL');
