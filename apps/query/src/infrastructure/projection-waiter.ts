import { Inject, Injectable } from '@nestjs/common';
import { ReadModelQueries } from '@cx/persistence/read-models/read-model.queries';
import type { QueryConfig } from '../config/query.config';
import { QueryErrorCode, QueryException } from '../query.exception';
import { QUERY_CONFIG } from './query.tokens';
import { readFromStore } from './store-availability';

/** What a request asks about freshness: `?minPosition=&waitMs=`. */
export interface Consistency {
  readonly minPosition?: number;
  readonly waitMs?: number;
}

/** Polling backoff: quick first checks (the projector is usually a few ms behind), then gentler. */
const FIRST_DELAY_MS = 5;
const MAX_DELAY_MS = 200;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Read-your-writes. Waits until the projection has applied the event at `minPosition`, checking
 * with a doubling delay (5 ms … 200 ms) up to the deadline, then answers 503 so that the client
 * knows the read model is behind rather than getting a stale answer silently.
 */
@Injectable()
export class ProjectionWaiter {
  constructor(
    private readonly readModels: ReadModelQueries,
    @Inject(QUERY_CONFIG) private readonly config: QueryConfig,
  ) {}

  async awaitApplied({ minPosition, waitMs }: Consistency): Promise<void> {
    if (minPosition === undefined) return;
    const budgetMs = waitMs ?? this.config.QUERY_DEFAULT_WAIT_MS;
    const deadline = Date.now() + budgetMs;
    let delay = FIRST_DELAY_MS;
    for (;;) {
      if (await readFromStore(() => this.readModels.isPositionApplied(minPosition))) return;
      const left = deadline - Date.now();
      if (left <= 0) break;
      await sleep(Math.min(delay, left));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
    throw new QueryException(QueryErrorCode.ProjectionNotCaughtUp, 'projection not caught up', [
      {
        path: 'minPosition',
        message: `position ${minPosition} is not applied by the projection after ${budgetMs} ms; retry later`,
      },
    ]);
  }
}
