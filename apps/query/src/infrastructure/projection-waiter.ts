import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { EventStore } from '@cx/event-store';
import { ProjectionProgress } from '@cx/read-models';
import type { QueryConfig } from '../config/query.config';
import { QueryErrorCode, queryError } from '../query.exception';
import { ProgressNotifications } from './progress-notifications';
import { PG_POOL, QUERY_CONFIG } from './query.tokens';
import { readFromStore } from './store-availability';

/** What a request asks about freshness: `?minPosition=&waitMs=`. */
export interface Consistency {
  readonly minPosition?: number;
  readonly waitMs?: number;
}

/** What a read depends on: one customer's events, or every event. */
export type ReadScope = { readonly customerId: string } | 'all';

/**
 * A waiter checks again at the latest this often even without a notification: a rolled-back
 * append at the top of the store, or a LISTEN connection being replaced, sends none.
 */
const FALLBACK_RECHECK_MS = 250;

/**
 * Read-your-writes. `minPosition=P` is answered once every event with a position up to P that the
 * read depends on is applied: for a customer, all of that customer's events up to P; for a
 * listing, all events up to P. Rolled-back positions (holes) count as settled. The waiter checks,
 * then sleeps until the projector's next commit notification; past the deadline it answers 503,
 * so the client knows the read model is behind rather than getting a stale answer silently.
 */
@Injectable()
export class ProjectionWaiter {
  private readonly progress: ProjectionProgress;

  constructor(
    @Inject(PG_POOL) pool: Pool,
    private readonly events: EventStore,
    private readonly notifications: ProgressNotifications,
    @Inject(QUERY_CONFIG) private readonly config: QueryConfig,
  ) {
    this.progress = new ProjectionProgress(pool);
  }

  async awaitApplied(scope: ReadScope, { minPosition, waitMs }: Consistency): Promise<void> {
    if (minPosition === undefined) return;
    const budgetMs = waitMs ?? this.config.QUERY_DEFAULT_WAIT_MS;
    const deadline = Date.now() + budgetMs;
    await this.notifications.listen();
    for (;;) {
      const mark = this.notifications.mark;
      if (await readFromStore(() => this.caughtUp(scope, minPosition))) return;
      const left = deadline - Date.now();
      if (left <= 0) break;
      await this.notifications.next(Math.min(left, FALLBACK_RECHECK_MS), mark);
    }
    throw queryError(QueryErrorCode.ProjectionNotCaughtUp, 'projection not caught up', [
      {
        path: 'minPosition',
        message: `events up to position ${minPosition} are not all applied by the projection after ${budgetMs} ms; retry later`,
      },
    ]);
  }

  private async caughtUp(scope: ReadScope, position: number): Promise<boolean> {
    const settled = await this.events.settledPosition();
    return scope === 'all'
      ? this.progress.allCaughtUp(position, settled)
      : this.progress.customerCaughtUp(scope.customerId, position, settled);
  }
}
