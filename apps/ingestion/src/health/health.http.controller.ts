import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Pool } from 'pg';
import { OutboxRelay, type OutboxRelayStatus } from '@cx/persistence';
import { probe, type ProbeResult } from '@cx/platform/health/probe';
import { IngestionLifecycle } from '../infrastructure/ingestion-lifecycle.service';
import { PG_POOL } from '../infrastructure/ingestion.tokens';

const PROBE_TIMEOUT_MS = 2000;

export interface ReadinessView {
  readonly status: 'ready' | 'not_ready';
  readonly checks: { readonly postgres: ProbeResult; readonly kafka: ProbeResult };
  /** The outbox relay: how far Kafka is behind the event store; null when Postgres is down. */
  readonly relay: OutboxRelayStatus | null;
}

interface StatusSettable {
  status(code: number): unknown;
}

@ApiTags('health')
@Controller('health')
export class HealthHttpController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly lifecycle: IngestionLifecycle,
    private readonly relay: OutboxRelay,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ schema: { example: { status: 'live' } } })
  live(): { status: 'live' } {
    return { status: 'live' };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: Postgres answers SELECT 1 and Kafka answers an admin request',
    description:
      'Also reports the outbox relay: events not yet published (behind) and the age of the oldest.',
  })
  @ApiOkResponse({ description: 'Ready.' })
  @ApiServiceUnavailableResponse({ description: 'Postgres or Kafka does not answer; same body.' })
  async ready(@Res({ passthrough: true }) res: StatusSettable): Promise<ReadinessView> {
    const [postgres, kafka] = await Promise.all([
      probe(() => this.pool.query('SELECT 1'), PROBE_TIMEOUT_MS),
      probe(() => this.lifecycle.pingKafka(), PROBE_TIMEOUT_MS),
    ]);
    let relay: OutboxRelayStatus | null = null;
    if (postgres.status === 'up') {
      relay = await this.relay.status().catch(() => null);
    }
    const ready = postgres.status === 'up' && kafka.status === 'up';
    res.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return { status: ready ? 'ready' : 'not_ready', checks: { postgres, kafka }, relay };
  }
}
