import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { TOPIC_SPECS } from '@cx/contracts';
import { ensureTopics } from '@cx/messaging';
import { InsightRelay } from '@cx/messaging';
import { ProjectionEngine } from '@cx/read-models';
import { KafkaAdminSession } from '@cx/messaging';
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
  private readonly admin: KafkaAdminSession;

  constructor(
    private readonly consumer: TouchpointConsumer,
    private readonly relay: InsightRelay,
    private readonly engine: ProjectionEngine,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(KAFKA_PROBE) kafkaProbe: Kafka,
  ) {
    this.admin = new KafkaAdminSession(kafkaProbe);
  }

  async onApplicationBootstrap(): Promise<void> {
    await ensureTopics(this.kafka, TOPIC_SPECS);
    this.relay.start();
    await this.consumer.start();
    this.logger.log('consumer and insight relay started');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer.stop();
    await this.relay.stop();
    await this.admin.close();
    await this.pool.end();
  }

  pingKafka(): Promise<void> {
    return this.admin.ping();
  }

  lag(): Promise<ProjectorLag> {
    return this.admin.use((admin) =>
      measureLag(admin, this.engine, this.consumer.partitionProgress()),
    );
  }
}
