import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { ServiceLifecycle } from '@cx/platform';
import { PG_POOL } from './query.tokens';

/** Nothing runs in the background: the pool is ended once the HTTP server stops taking requests. */
@Injectable()
export class QueryLifecycle extends ServiceLifecycle {
  constructor(@Inject(PG_POOL) pool: Pool) {
    super({ pool });
  }
}
