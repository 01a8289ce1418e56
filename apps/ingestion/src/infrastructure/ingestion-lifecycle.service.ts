import { Inject, Injectable } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { DeadLetterRelay, KafkaAdminSession, OutboxRelay } from '@cx/messaging';
import { ServiceLifecycle } from '@cx/platform';
import { KAFKA_PROBE, PG_POOL } from './ingestion.tokens';
import { INBOUND_CONSUMER } from '../inbound/inbound.providers';
import type { InboundConsumer } from '../inbound/inbound-consumer.service';

/**
 * Runs the outbox and dead-letter relays and the inbound consumer; on shutdown each finishes its
 * batch before the pool it uses is ended.
 */
@Injectable()
export class IngestionLifecycle extends ServiceLifecycle {
  private readonly admin: KafkaAdminSession;

  constructor(
    relay: OutboxRelay,
    @Inject(PG_POOL) pool: Pool,
    @Inject(KAFKA_PROBE) kafkaProbe: Kafka,
    deadLetterRelay: DeadLetterRelay,
    @Inject(INBOUND_CONSUMER) inbound: InboundConsumer | null,
  ) {
    const admin = new KafkaAdminSession(kafkaProbe);
    super({
      steps: [
        { name: 'outbox relay', start: () => relay.start(), stop: () => relay.stop() },
        {
          name: 'dead-letter relay',
          start: () => deadLetterRelay.start(),
          stop: () => deadLetterRelay.stop(),
        },
        // Stopped first: its chunk in flight commits before the pool is ended.
        ...(inbound === null
          ? []
          : [
              {
                name: 'inbound consumer',
                start: () => inbound.start(),
                stop: () => inbound.stop(),
              },
            ]),
      ],
      kafkaAdmin: admin,
      pool,
    });
    this.admin = admin;
  }

  /** Asks the cluster for its metadata; reconnects after a failure. */
  pingKafka(): Promise<void> {
    return this.admin.ping();
  }
}
