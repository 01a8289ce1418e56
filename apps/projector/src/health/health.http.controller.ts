import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Pool } from 'pg';
import type { InsightRelayStatus } from '@cx/persistence/projections/insight-relay';
import { InsightRelay } from '@cx/persistence/projections/insight-relay';
import { probe, type ProbeResult } from '@cx/platform/health/probe';
import { TouchpointConsumer } from '../consumer/touchpoint-consumer.service';
import { ProjectorLifecycle } from '../infrastructure/projector-lifecycle.service';
import { PG_POOL } from '../infrastructure/projector.tokens';
import type { ProjectorLag } from './projector-lag';

const PROBE_TIMEOUT_MS = 2000;

export interface ProjectorReadinessView {
  readonly status: 'ready' | 'not_ready';
  readonly checks: {
    readonly postgres: ProbeResult;
    readonly kafka: ProbeResult;
    readonly consumer: { readonly joined: boolean; readonly partitions: number[] };
  };
  /** null when Postgres or Kafka does not answer. */
  readonly lag: ProjectorLag | null;
  readonly insightRelay: InsightRelayStatus | null;
}

interface StatusSettable {
  status(code: number): unknown;
}

@ApiTags('health')
@Controller()
export class HealthHttpController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly lifecycle: ProjectorLifecycle,
    private readonly consumer: TouchpointConsumer,
    private readonly relay: InsightRelay,
  ) {}

  @Get('health/live')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ schema: { example: { status: 'live' } } })
  live(): { status: 'live' } {
    return { status: 'live' };
  }

  @Get('health/ready')
  @ApiOperation({
    summary: 'Readiness: Postgres and Kafka answer and the consumer joined its group',
    description:
      'Also reports the lag (events behind, oldest unprocessed age) and the insight relay.',
  })
  @ApiOkResponse({ description: 'Ready.' })
  @ApiServiceUnavailableResponse({ description: 'A dependency does not answer; same body.' })
  async ready(@Res({ passthrough: true }) res: StatusSettable): Promise<ProjectorReadinessView> {
    const [postgres, kafka] = await Promise.all([
      probe(() => this.pool.query('SELECT 1'), PROBE_TIMEOUT_MS),
      probe(() => this.lifecycle.pingKafka(), PROBE_TIMEOUT_MS),
    ]);
    const up = postgres.status === 'up' && kafka.status === 'up';
    const lag = up ? await this.lifecycle.lag().catch(() => null) : null;
    const insightRelay =
      postgres.status === 'up' ? await this.relay.status().catch(() => null) : null;
    const joined = this.consumer.isJoined;
    const ready = up && joined;
    res.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    return {
      status: ready ? 'ready' : 'not_ready',
      checks: {
        postgres,
        kafka,
        consumer: { joined, partitions: this.consumer.assignedPartitions() },
      },
      lag,
      insightRelay,
    };
  }

  @Get('metrics')
  @ApiOperation({
    summary: 'Lag of the projection: events behind per partition, oldest unprocessed age',
  })
  @ApiOkResponse({ description: 'The lag figure.' })
  @ApiServiceUnavailableResponse({ description: 'Kafka or Postgres does not answer.' })
  async metrics(
    @Res({ passthrough: true }) res: StatusSettable,
  ): Promise<ProjectorLag | { error: string }> {
    try {
      return await this.lifecycle.lag();
    } catch (error) {
      res.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }
}
