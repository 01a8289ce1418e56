import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Notification, Pool, PoolClient } from 'pg';
import { PROJECTION_PROGRESS_CHANNEL } from '@cx/read-models';
import { PG_POOL } from './query.tokens';

/**
 * One LISTEN connection per service for the projector's progress notifications (one per commit
 * that applied something), shared by every waiting request. It connects when the first request
 * waits and reconnects after a failure; while it is down, the waiting falls back to its timer.
 */
@Injectable()
export class ProgressNotifications implements OnApplicationShutdown {
  private readonly logger = new Logger(ProgressNotifications.name);
  private listener: PoolClient | null = null;
  private connecting: Promise<void> | null = null;
  private readonly waiting = new Set<() => void>();
  private closed = false;
  /** Counts notifications, so a waiter can tell whether one came while it was checking. */
  private generation = 0;

  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Take before checking the read models; hand to `next` so a notification in between counts. */
  get mark(): number {
    return this.generation;
  }

  /** Starts listening if it does not yet; a failure leaves waiters to their own timers. */
  async listen(): Promise<void> {
    await this.ensureListening().catch((error: unknown) => {
      this.logger.debug(`progress listener unavailable: ${String(error)}`);
    });
  }

  /**
   * Resolves at the next notification after `since` (a `mark`), at once when one already came,
   * after `ms` at the latest, or when `interrupt` aborts (a new waiter needs a check now).
   */
  async next(ms: number, since: number, interrupt?: AbortSignal): Promise<void> {
    await this.listen();
    if (this.generation !== since || interrupt?.aborted === true) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiting.delete(done);
        interrupt?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiting.add(done);
      interrupt?.addEventListener('abort', done, { once: true });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    for (const wake of [...this.waiting]) wake();
    await this.connecting?.catch(() => undefined);
    this.drop();
  }

  private ensureListening(): Promise<void> {
    if (this.listener !== null || this.closed) return Promise.resolve();
    this.connecting ??= this.subscribe().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async subscribe(): Promise<void> {
    const client = await this.pool.connect();
    client.on('error', () => {
      this.drop(client);
      this.generation += 1;
      // Wake the waiting: it checks again and, while the database is down, answers 503.
      this.wakeAll();
    });
    client.on('notification', (message: Notification) => {
      if (message.channel !== PROJECTION_PROGRESS_CHANNEL) return;
      this.generation += 1;
      this.wakeAll();
    });
    try {
      await client.query(`LISTEN ${PROJECTION_PROGRESS_CHANNEL}`);
    } catch (error) {
      client.release(error instanceof Error ? error : true);
      throw error;
    }
    if (this.closed) {
      client.release(true);
      return;
    }
    this.listener = client;
    // Commits made before LISTEN took effect sent notifications no one heard: look again.
    this.generation += 1;
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const wake of [...this.waiting]) wake();
  }

  private drop(which: PoolClient | null = this.listener): void {
    if (which === null || which !== this.listener) return;
    this.listener = null;
    which.removeAllListeners('notification');
    // Destroyed, not returned: it holds the LISTEN, or is dead.
    which.release(true);
  }
}
