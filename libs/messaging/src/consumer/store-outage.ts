import type { Logger } from '@nestjs/common';
import type { EachBatchPayload } from 'kafkajs';
import { isStoreUnavailable } from '@cx/event-store';

/** Pauses between attempts of a database step while Postgres is unreachable. */
const STORE_RETRY_FIRST_MS = 100;
const STORE_RETRY_MAX_MS = 1000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface StoreOutageMessages {
  /** Logged once when Postgres stops answering. */
  unreachable(reason: string): string;
  /** Logged once when it answers again, `seconds` after the outage began. */
  answered(seconds: string): string;
}

/**
 * Runs the database steps of a consumer's batches through Postgres outages. While Postgres is
 * unreachable a step waits and tries again, heartbeating, so the group keeps the member and its
 * partitions and the batch goes on as soon as Postgres answers (a transaction cut off mid-way
 * rolled back, or committed and is skipped as applied). Other errors are thrown to kafkajs.
 */
export class StoreOutage {
  /** When a step started failing for want of Postgres. */
  private downSince: number | null = null;

  constructor(
    /** The owning consumer's logger, so log lines keep its context. */
    private readonly logger: Logger,
    private readonly messages: StoreOutageMessages,
  ) {}

  /** The step's value; null when the consumer stops or the partition is sought elsewhere. */
  async step<T>(payload: EachBatchPayload, step: () => Promise<T>): Promise<{ value: T } | null> {
    let pause = STORE_RETRY_FIRST_MS;
    for (;;) {
      try {
        const value = await step();
        this.answered();
        return { value };
      } catch (error) {
        if (!isStoreUnavailable(error)) throw error;
        this.unreachable(error);
      }
      if (!payload.isRunning() || payload.isStale()) return null;
      await sleep(pause);
      pause = Math.min(pause * 2, STORE_RETRY_MAX_MS);
      if (!payload.isRunning() || payload.isStale()) return null;
      // Throws when the group rebalances; kafkajs then rejoins and fetches again.
      await payload.heartbeat();
    }
  }

  private unreachable(error: unknown): void {
    if (this.downSince !== null) return;
    this.downSince = Date.now();
    this.logger.warn(this.messages.unreachable(reasonOf(error)));
  }

  private answered(): void {
    if (this.downSince === null) return;
    const seconds = ((Date.now() - this.downSince) / 1000).toFixed(1);
    this.downSince = null;
    this.logger.log(this.messages.answered(seconds));
  }
}
