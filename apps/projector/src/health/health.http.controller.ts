import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Pool } from 'pg';
import type { InsightRelayStatus } from '@cx/messaging';
import { InsightRelay } from '@cx/messaging';
import { LIVE, LivenessRoute, ReadinessRoute, type LiveBody } from '@cx/platform';
import type { ProbeResult } from '@cx/platform';
import {
  allUp,
  readinessAnswer,
  runProbes,
  type ReadinessStatus,
  type StatusSettable,
} from '@cx/platform';
import { TouchpointConsumer } from '../consumer/touchpoint-consumer.service';
import { ProjectorLifecycle } from '../infrastructure/projector-lifecycle.service';
import { PG_POOL } from '../infrastructure/projector.tokens';
import type { ProjectorLag } from './projector-lag';

export interface ProjectorReadinessView {
  readonly status: ReadinessStatus;
  readonly checks: {
    readonly postgres: ProbeResult;
    readonly kafka: ProbeResult;
    readonly consumer: { readonly joined: boolean; readonly partitions: number[] };
  };
  /** null when Postgres or Kafka does not answer. */
  readonly lag: ProjectorLag | null;
  readonly insightRelay: InsightRelayStatus | null;
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

  @LivenessRoute('health/live')
  live(): LiveBody {
    return LIVE;
  }

  @ReadinessRoute('health/ready', {
    summary: 'Readiness: Postgres and Kafka answer and the consumer joined its group',
    description:
      'Also reports the lag (events behind, oldest unprocessed age) and the insight relay.',
    unavailable: 'A dependency does not answer; same body.',
  })
  async ready(@Res({ passthrough: true }) res: StatusSettable): Promise<ProjectorReadinessView> {
    const probes = await runProbes({
      postgres: () => this.pool.query('SELECT 1'),
      kafka: () => this.lifecycle.pingKafka(),
    });
    const up = allUp(probes);
    const lag = up ? await this.lifecycle.lag().catch(() => null) : null;
    const insightRelay =
      probes.postgres.status === 'up' ? await this.relay.status().catch(() => null) : null;
    const joined = this.consumer.isJoined;
    const consumer = { joined, partitions: this.consumer.assignedPartitions() };
    return readinessAnswer(res, up && joined, { ...probes, consumer }, { lag, insightRelay });
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
