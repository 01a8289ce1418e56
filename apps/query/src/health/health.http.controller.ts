import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Pool } from 'pg';
import { probe, type ProbeResult } from '@cx/platform/health/probe';
import { PG_POOL } from '../infrastructure/query.tokens';

const PROBE_TIMEOUT_MS = 2000;

export interface QueryReadinessView {
  readonly status: 'ready' | 'not_ready';
  readonly checks: { readonly postgres: ProbeResult };
}

interface StatusSettable {
  status(code: number): unknown;
}

/** The query service depends on Postgres only: the read models and the event store live there. */
@ApiTags('health')
@Controller('health')
export class HealthHttpController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ schema: { example: { status: 'live' } } })
  live(): { status: 'live' } {
    return { status: 'live' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: Postgres answers a query on the read model' })
  @ApiOkResponse({ description: 'Ready.' })
  @ApiServiceUnavailableResponse({
    description: 'Postgres does not answer or the read model is missing; same body.',
  })
  async ready(@Res({ passthrough: true }) res: StatusSettable): Promise<QueryReadinessView> {
    const postgres = await probe(
      () => this.pool.query('SELECT 1 FROM customer_profiles LIMIT 1'),
      PROBE_TIMEOUT_MS,
    );
    const ready = postgres.status === 'up';
    res.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ready ? 'ready' : 'not_ready', checks: { postgres } };
  }
}
