import { Controller, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { LIVE, LivenessRoute, ReadinessRoute, type LiveBody } from '@cx/platform';
import type { ProbeResult } from '@cx/platform';
import {
  allUp,
  readinessAnswer,
  runProbes,
  type ReadinessStatus,
  type StatusSettable,
} from '@cx/platform';
import { PG_POOL } from '../infrastructure/query.tokens';

export interface QueryReadinessView {
  readonly status: ReadinessStatus;
  readonly checks: { readonly postgres: ProbeResult };
}

/** The query service depends on Postgres only: the read models and the event store live there. */
@ApiTags('health')
@Controller('health')
export class HealthHttpController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @LivenessRoute('live')
  live(): LiveBody {
    return LIVE;
  }

  @ReadinessRoute('ready', {
    summary: 'Readiness: Postgres answers a query on the read model',
    unavailable: 'Postgres does not answer or the read model is missing; same body.',
  })
  async ready(@Res({ passthrough: true }) res: StatusSettable): Promise<QueryReadinessView> {
    const checks = await runProbes({
      postgres: () => this.pool.query('SELECT 1 FROM customer_profiles LIMIT 1'),
    });
    return readinessAnswer(res, allUp(checks), checks);
  }
}
