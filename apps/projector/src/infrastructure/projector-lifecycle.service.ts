import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { TOPIC_SPECS } from '@cx/contracts/topics';
import { ensureTopics } from '@cx/kafka';
import { InsightRelay } from '@cx/persistence/projections/insight-relay';
import { ProjectionEngine } from '@cx/persistence/projections/projection-engine';
import { TouchpointConsumer } from '../consumer/touchpoint-consumer.service';
import { measureLag, type ProjectorLag } from '../health/projector-lag';
import { KAFKA, KAFKA_PROBE, PG_POOL } from './projector.tokens';

/**
 * Starts the insight relay and the consumer once the app is up; on shutdown stops the consumer
 * first (its batch in flight commits or rolls back), then the relay, then the pool they share.
 */
@Injectable()
export class ProjectorLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProjectorLifecycle.name);
  private admin: Admin | null = null;

  constructor(
    private readonly consumer: TouchpointConsumer,
    private readonly relay: InsightRelay,
    private readonly engine: ProjectionEngine,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(KAFKA_PROBE) private readonly kafkaProbe: Kafka,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureTopics(this.kafka, TOPIC_SPECS);
    this.relay.start();
    await this.consumer.start();
    this.logger.log('consumer and insight relay started');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
    await this.relay.stop();
    await this.dropAdmin();
    await this.pool.end();
  }

  async pingKafka(): Promise<void> {
    await this.withAdmin((admin) => admin.describeCluster());
  }

  lag(): Promise<ProjectorLag> {
    return this.withAdmin((admin) =>
      measureLag(admin, this.engine, this.consumer.partitionProgress()),
    );
  }

  private async withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    try {
      if (this.admin === null) {
        this.admin = this.kafkaProbe.admin();
        await this.admin.connect();
      }
      return await work(this.admin);
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
