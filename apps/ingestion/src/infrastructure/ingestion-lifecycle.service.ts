import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { OutboxRelay } from '@cx/persistence';
import { KAFKA_PROBE, PG_POOL } from './ingestion.tokens';

/**
 * Starts the outbox relay once the app is up and stops everything in order on shutdown: the relay
 * first (it finishes its batch), then the Kafka probe, then the pool the relay was using.
 */
@Injectable()
export class IngestionLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IngestionLifecycle.name);
  private admin: Admin | null = null;

  constructor(
    private readonly relay: OutboxRelay,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(KAFKA_PROBE) private readonly kafkaProbe: Kafka,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.relay.start();
    this.logger.log('outbox relay started');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay.stop();
    await this.dropAdmin();
    await this.pool.end();
  }

  /** Asks the cluster for its metadata; reconnects after a failure. */
  async pingKafka(): Promise<void> {
    try {
      if (this.admin === null) {
        this.admin = this.kafkaProbe.admin();
        await this.admin.connect();
      }
      await this.admin.describeCluster();
    } catch (error) {
      await this.dropAdmin();
      throw error;
    }
  }

  private async dropAdmin(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    await admin?.disconnect().catch(() => undefined);
  }
}
