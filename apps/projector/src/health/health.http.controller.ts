import { Controller, Get, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse } from '@nestjs/swagger';
import type { Pool } from 'pg';
import {
  InsightRelay,
  ProfileRelay,
  type InsightRelayStatus,
  type ProfileRelayStatus,
} from '@cx/messaging';
import {
  allUp,
  HealthController,
  type NamedProbes,
  type ProbeResults,
  type ReadinessExtras,
  type StatusSettable,
} from '@cx/platform';
import { TouchpointConsumer } from '../consumer/touchpoint-consumer.service';
import { ProjectorLifecycle } from '../infrastructure/projector-lifecycle.service';
import { PG_POOL } from '../infrastructure/projector.tokens';
import type { ProjectorLag } from './projector-lag';
import { RequireScope } from '@cx/platform';

type Probe = 'postgres' | 'kafka';

export interface ConsumerCheck {
  /** A member of the consumer group (false after a crash, during a rebalance, before joining). */
  readonly joined: boolean;
  /** Joined and fetching its partitions (or assigned none): the projector applies what comes. */
  readonly consuming: boolean;
  readonly partitions: number[];
}

export interface ProjectorReadinessFields {
  /** null when Postgres or Kafka does not answer. */
  readonly lag: ProjectorLag | null;
  readonly insightRelay: InsightRelayStatus | null;
  /** The relay to cx.customer-profiles.v1; null when Postgres does not answer. */
  readonly profileRelay: ProfileRelayStatus | null;
}

@Controller()
export class HealthHttpController extends HealthController<Probe>({
  summary: 'Readiness: Postgres and Kafka answer and the consumer consumes its partitions',
  description:
    'Also reports the lag (events behind, oldest unprocessed age) and the insight and profile relays.',
  unavailable: 'A dependency does not answer; same body.',
}) {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly lifecycle: ProjectorLifecycle,
    private readonly consumer: TouchpointConsumer,
    private readonly relay: InsightRelay,
    private readonly profiles: ProfileRelay,
  ) {
    super();
  }

  protected probes(): NamedProbes<Probe> {
    return {
      postgres: () => this.pool.query('SELECT 1'),
      kafka: () => this.lifecycle.pingKafka(),
    };
  }

  /**
   * A projector whose consumer is not consuming its partitions (not joined yet, crashed and
   * restarting, rebalancing) applies nothing, so it is not ready.
   */
  protected override async extras(
    probes: ProbeResults<Probe>,
  ): Promise<ReadinessExtras<ProjectorReadinessFields, { consumer: ConsumerCheck }>> {
    const lag = allUp(probes) ? await this.lifecycle.lag().catch(() => null) : null;
    const insightRelay =
      probes.postgres.status === 'up' ? await this.relay.status().catch(() => null) : null;
    const profileRelay =
      probes.postgres.status === 'up' ? await this.profiles.status().catch(() => null) : null;
    const consuming = this.consumer.isConsuming;
    const consumer = {
      joined: this.consumer.isJoined,
      consuming,
      partitions: this.consumer.assignedPartitions(),
    };
    return { fields: { lag, insightRelay, profileRelay }, checks: { consumer }, ready: consuming };
  }

  /** The lag as JSON for operators; Prometheus reads the same figures from `/metrics`. */
  @Get('lag')
  @RequireScope('metrics:read')
  @ApiOperation({
    operationId: 'getProjectionLag',
    summary: 'Lag of the projection: events behind per partition, oldest unprocessed age',
    description:
      'The consumer lag as JSON, for operators: per partition of cx.touchpoints.v1 the end offset, ' +
      'the offset the read models recorded and the difference; the sum; and an upper bound of the ' +
      "age of the oldest unapplied event on this instance's partitions. Prometheus reads the same " +
      'figures from /metrics (cx_projector_consumer_lag_events).',
  })
  @ApiOkResponse({ description: 'The lag figure.' })
  @ApiServiceUnavailableResponse({ description: 'Kafka or Postgres does not answer.' })
  async lag(
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
