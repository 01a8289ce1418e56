import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { EventStore } from '@cx/event-store';
import { ProjectionProgress, type AwaitedRead } from '@cx/read-models';
import type { QueryConfig } from '../config/query.config';
import { QueryErrorCode, queryError } from '../query.exception';
import { CatchUpRounds } from './catch-up-rounds';
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
 * Waiters are checked again at the latest this often even without a notification: a rolled-back
 * append at the top of the store, or a LISTEN connection being replaced, sends none.
 */
const FALLBACK_RECHECK_MS = 250;

/**
 * Read-your-writes. `minPosition=P` is answered once every event with a position up to P that the
 * read depends on is applied: for a customer, all of that customer's events up to P; for a
 * listing, all events up to P. Rolled-back positions (holes) count as settled. Waiting requests
 * are checked together, one shared round per projector commit notification (see
 * `CatchUpRounds`), so many waiters cost the database no more than one; past its deadline a
 * request answers 503, so the client knows the read model is behind rather than getting a stale
 * answer silently.
 */
@Injectable()
export class ProjectionWaiter {
  private readonly rounds: CatchUpRounds<AwaitedRead>;

  constructor(
    @Inject(PG_POOL) pool: Pool,
    events: EventStore,
    notifications: ProgressNotifications,
    @Inject(QUERY_CONFIG) private readonly config: QueryConfig,
  ) {
    const progress = new ProjectionProgress(pool);
    // Settled first: every position up to it is then committed or rolled back when the read
    // models are queried, so a caught-up answer cannot be overtaken by a late commit.
    const check = async (reads: readonly AwaitedRead[]): Promise<boolean[]> =>
      progress.caughtUp(reads, await events.settledPosition());
    this.rounds = new CatchUpRounds(check, notifications, { fallbackMs: FALLBACK_RECHECK_MS });
  }

  async awaitApplied(scope: ReadScope, { minPosition, waitMs }: Consistency): Promise<void> {
    if (minPosition === undefined) return;
    const budgetMs = waitMs ?? this.config.QUERY_DEFAULT_WAIT_MS;
    const read: AwaitedRead = {
      customerId: scope === 'all' ? null : scope.customerId,
      position: minPosition,
    };
    if (await readFromStore(() => this.rounds.wait(read, Date.now() + budgetMs))) return;
    throw queryError(QueryErrorCode.ProjectionNotCaughtUp, 'projection not caught up', [
      {
        path: 'minPosition',
        message: `events up to position ${minPosition} are not all applied by the projection after ${budgetMs} ms; retry later`,
      },
    ]);
  }
}
