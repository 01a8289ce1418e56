import { Logger } from '@nestjs/common';
import { Pool, type PoolClient, type PoolConfig } from 'pg';

/** Where connection losses are reported; a Nest `Logger` fits. */
export interface OutageLogger {
  warn(message: string): unknown;
  log(message: string): unknown;
}

/**
 * One log line when the database goes away and one when it is back, however many connections
 * fail in between (a restart under load cuts every one of them).
 */
export class DatabaseOutageLog {
  private since: number | null = null;

  constructor(
    private readonly logger: OutageLogger,
    private readonly now: () => number = Date.now,
  ) {}

  get down(): boolean {
    return this.since !== null;
  }

  lost(error: Error): void {
    if (this.since !== null) return;
    this.since = this.now();
    this.logger.warn(
      `database connection lost (${error.message}); requests fail with 503 until it is back, reconnecting on demand`,
    );
  }

  restored(): void {
    if (this.since === null) return;
    const seconds = ((this.now() - this.since) / 1000).toFixed(1);
    this.since = null;
    this.logger.log(`database connection restored after ${seconds} s`);
  }
}

/**
 * Gives every connection of `pool` an error path for its whole life. pg-pool listens for errors
 * only on idle clients: it removes its listener when a client is checked out and adds it back on
 * release, so a connection that dies while checked out (a transaction in flight when Postgres
 * restarts) would emit an 'error' event nobody handles, and Node would end the process. The query
 * in flight fails on its own (its caller answers 503); these listeners only keep the process up
 * and log the outage once. The pool drops dead clients and connects new ones on demand.
 */
export function guardPoolErrors(pool: Pool, outage: DatabaseOutageLog): Pool {
  // An idle client died: pg-pool has already removed it and re-emits the error here.
  pool.on('error', (error: Error) => outage.lost(error));
  pool.on('connect', (client: PoolClient) => {
    outage.restored();
    // Stays for the client's life, checked out or idle; pg-pool's own listener comes and goes.
    client.on('error', (error: Error) => outage.lost(error));
  });
  return pool;
}

export interface PgPoolOptions {
  readonly connectionString: string;
  readonly max: number;
  /**
   * How long a checkout may wait for a connection (a new one, or a free one of a full pool)
   * before it fails as "unavailable", so a database that does not answer at all (a dropped
   * network rather than a refused connection) fails requests instead of hanging them.
   */
  readonly connectionTimeoutMs?: number;
  /** Defaults to `new Logger('pg')`. */
  readonly logger?: OutageLogger;
}

export const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;

/**
 * A pg pool whose connections can fail without ending the process (see `guardPoolErrors`), with
 * TCP keep-alive so a peer that vanished without closing the socket is noticed.
 */
export function createPgPool(options: PgPoolOptions): Pool {
  const config: PoolConfig = {
    connectionString: options.connectionString,
    max: options.max,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? DEFAULT_CONNECTION_TIMEOUT_MS,
    keepAlive: true,
  };
  return guardPoolErrors(
    new Pool(config),
    new DatabaseOutageLog(options.logger ?? new Logger('pg')),
  );
}
