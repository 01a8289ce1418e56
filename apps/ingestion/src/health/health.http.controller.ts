import { Controller, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { OutboxRelay, type OutboxRelayStatus } from '@cx/messaging';
import { LIVE, LivenessRoute, ReadinessRoute, type LiveBody } from '@cx/platform';
import type { ProbeResult } from '@cx/platform';
import {
  allUp,
  readinessAnswer,
  runProbes,
  type ReadinessStatus,
  type StatusSettable,
} from '@cx/platform';
import { IngestionLifecycle } from '../infrastructure/ingestion-lifecycle.service';
import { PG_POOL } from '../infrastructure/ingestion.tokens';

export interface ReadinessView {
  readonly status: ReadinessStatus;
  readonly checks: { readonly postgres: ProbeResult; readonly kafka: ProbeResult };
  /** The outbox relay: how far Kafka is behind the event store; null when Postgres is down. */
  readonly relay: OutboxRelayStatus | null;
}

@ApiTags('health')
@Controller('health')
export class HealthHttpController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly lifecycle: IngestionLifecycle,
    private readonly relay: OutboxRelay,
  ) {}

  @LivenessRoute('live')
  live(): LiveBody {
    return LIVE;
  }

  @ReadinessRoute('ready', {
    summary: 'Readiness: Postgres answers SELECT 1 and Kafka answers an admin request',
    description:
      'Also reports the outbox relay: events not yet published (behind) and the age of the oldest.',
    unavailable: 'Postgres or Kafka does not answer; same body.',
  })
  async ready(@Res({ passthrough: true }) res: StatusSettable): Promise<ReadinessView> {
    const checks = await runProbes({
      postgres: () => this.pool.query('SELECT 1'),
      kafka: () => this.lifecycle.pingKafka(),
    });
    const relay =
      checks.postgres.status === 'up' ? await this.relay.status().catch(() => null) : null;
    return readinessAnswer(res, allUp(checks), checks, { relay });
  }
}
