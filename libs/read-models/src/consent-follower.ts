import type { Pool } from 'pg';
import { inTransaction } from '@cx/event-store';
import { READ_MODEL_LOCK_KEY } from './projection-engine';
import { BatchHistories } from './applied-touchpoints';
import type { Projection, ProjectionBatch } from './projection';
import { APPLIED_TOUCHPOINTS, CONSENT_FOLLOW_PROGRESS } from './schema/read-model.schema';

export interface ConsentFollowerOptions {
  /** Pause between rounds that found nothing (default 500 ms). */
  readonly idleMs?: number;
  readonly onError?: (error: unknown) => void;
}

/**
 * Consent changes reach no Kafka topic: they are recorded straight into `consent_events`. A change
 * can make a customer's past touchpoints count or stop counting, so the projections that read
 * consents derive those customers again. Changes are followed by recording transaction, up to the
 * snapshot's xmin: every transaction below it has ended, so none is passed over while still open.
 * Following a change twice derives the same rows, so a crash between rounds is harmless.
 */
export class ConsentFollower {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly pool: Pool,
    private readonly projections: readonly Projection[],
    private readonly options: ConsentFollowerOptions = {},
  ) {}

  /** One round: the customers whose consents changed since the last one, derived again. */
  async followOnce(): Promise<number> {
    const followers = this.projections.filter((p) => p.recompute !== undefined);
    return inTransaction(this.pool, async (client) => {
      // Shared, as every projector batch takes it: a rebuild's switch-over waits for the round.
      await client.query('SELECT pg_advisory_xact_lock_shared($1)', [READ_MODEL_LOCK_KEY]);
      const { rows: progress } = await client.query<{ below: string }>(
        `SELECT below::text AS below FROM ${CONSENT_FOLLOW_PROGRESS} FOR UPDATE`,
      );
      const below = progress[0]?.below ?? '0';
      const { rows: snapshot } = await client.query<{ xmin: string }>(
        'SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin',
      );
      const xmin = snapshot[0]?.xmin ?? below;
      const { rows } = await client.query<{ customer_id: string }>(
        `SELECT DISTINCT customer_id FROM consent_events
          WHERE tx >= $1::xid8 AND tx < $2::xid8 ORDER BY customer_id`,
        [below, xmin],
      );
      const customers = rows.map((r) => r.customer_id);
      if (customers.length > 0) {
        const histories = new BatchHistories(client, APPLIED_TOUCHPOINTS.name);
        const batch: ProjectionBatch = {
          client,
          table: (name) => name,
          appliedTouchpoints: APPLIED_TOUCHPOINTS.name,
          histories: (ids) => histories.of(ids),
          live: true,
          completeHistories: false,
        };
        for (const projection of followers) await projection.recompute?.(batch, customers);
      }
      if (xmin !== below) {
        await client.query(`UPDATE ${CONSENT_FOLLOW_PROGRESS} SET below = $1::xid8`, [xmin]);
      }
      return customers.length;
    });
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.round();
    }, delayMs);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    let found = 0;
    try {
      found = await this.followOnce();
    } catch (error) {
      this.options.onError?.(error);
    }
    this.schedule(found > 0 ? 0 : (this.options.idleMs ?? 500));
  }
}
