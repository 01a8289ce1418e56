import { Inject, Injectable } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { KafkaAdminSession, OutboxRelay } from '@cx/messaging';
import { ServiceLifecycle } from '@cx/platform';
import { KAFKA_PROBE, PG_POOL } from './ingestion.tokens';

/** Runs the outbox relay; on shutdown it finishes its batch before the pool it uses is ended. */
@Injectable()
export class IngestionLifecycle extends ServiceLifecycle {
  private readonly admin: KafkaAdminSession;

  constructor(
    relay: OutboxRelay,
    @Inject(PG_POOL) pool: Pool,
    @Inject(KAFKA_PROBE) kafkaProbe: Kafka,
  ) {
    const admin = new KafkaAdminSession(kafkaProbe);
    super({
      steps: [{ name: 'outbox relay', start: () => relay.start(), stop: () => relay.stop() }],
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
