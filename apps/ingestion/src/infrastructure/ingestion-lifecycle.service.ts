import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { OutboxRelay } from '@cx/messaging';
import { KafkaAdminSession } from '@cx/messaging';
import { KAFKA_PROBE, PG_POOL } from './ingestion.tokens';

/**
 * Starts the outbox relay once the app is up and stops everything in order on shutdown: the relay
 * first (it finishes its batch), then the Kafka probe, then the pool the relay was using.
 */
@Injectable()
export class IngestionLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IngestionLifecycle.name);
  private readonly admin: KafkaAdminSession;

  constructor(
    private readonly relay: OutboxRelay,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(KAFKA_PROBE) kafkaProbe: Kafka,
  ) {
    this.admin = new KafkaAdminSession(kafkaProbe);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.relay.start();
    this.logger.log('outbox relay started');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    await this.admin.close();
    await this.pool.end();
  }

  /** Asks the cluster for its metadata; reconnects after a failure. */
  pingKafka(): Promise<void> {
    return this.admin.ping();
  }
}
