import { Controller, Inject } from '@nestjs/common';
import type { Pool } from 'pg';
import { OutboxRelay, type OutboxRelayStatus } from '@cx/messaging';
import {
  HealthController,
  type NamedProbes,
  type ProbeResults,
  type ReadinessExtras,
} from '@cx/platform';
import { IngestionLifecycle } from '../infrastructure/ingestion-lifecycle.service';
import { PG_POOL } from '../infrastructure/ingestion.tokens';
import { INBOUND_CONSUMER } from '../inbound/inbound.providers';
import type { InboundConsumer } from '../inbound/inbound-consumer.service';

type Probe = 'postgres' | 'kafka';

export interface IngestionReadinessFields {
  /** The outbox relay: how far Kafka is behind the event store; null when Postgres is down. */
  readonly relay: OutboxRelayStatus | null;
}

/** The consumer of cx.touchpoints.inbound.v1, when it is on (`CX_INBOUND`). */
export interface InboundCheck {
  /** A member of its group, fetching its partitions (or assigned none). */
  readonly consuming: boolean;
  readonly partitions: number[];
}

@Controller()
export class HealthHttpController extends HealthController<Probe>({
  summary: 'Readiness: Postgres answers SELECT 1 and Kafka answers an admin request',
  description:
    'Also reports the outbox relay: events not yet published (behind) and the age of the oldest; ' +
    'with CX_INBOUND=on, not ready until the consumer of cx.touchpoints.inbound.v1 has joined its group.',
  unavailable: 'Postgres or Kafka does not answer; same body.',
}) {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    private readonly lifecycle: IngestionLifecycle,
    private readonly relay: OutboxRelay,
    @Inject(INBOUND_CONSUMER) private readonly inbound: InboundConsumer | null,
  ) {
    super();
  }

  protected probes(): NamedProbes<Probe> {
    return {
      postgres: () => this.pool.query('SELECT 1'),
      kafka: () => this.lifecycle.pingKafka(),
    };
  }

  protected override async extras(
    probes: ProbeResults<Probe>,
  ): Promise<ReadinessExtras<IngestionReadinessFields, { inbound?: InboundCheck }>> {
    const relay =
      probes.postgres.status === 'up' ? await this.relay.status().catch(() => null) : null;
    if (this.inbound === null) return { fields: { relay } };
    const consuming = this.inbound.isConsuming;
    const inbound = { consuming, partitions: this.inbound.assignedPartitions() };
    return { fields: { relay }, checks: { inbound }, ready: consuming };
  }
}
