import { Inject, Injectable } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { TOPIC_SPECS } from '@cx/contracts';
import { ensureTopics, InsightRelay, KafkaAdminSession, ProfileRelay } from '@cx/messaging';
import { ServiceLifecycle } from '@cx/platform';
import { ConsentFollower, ProjectionEngine } from '@cx/read-models';
import { TouchpointConsumer } from '../consumer/touchpoint-consumer.service';
import { measureLag, type ProjectorLag } from '../health/projector-lag';
import { KAFKA, KAFKA_PROBE, PG_POOL } from './projector.tokens';

/**
 * Creates the topics, then runs the insight and profile relays, the consumer and the consent follower. On shutdown the
 * consumer stops first (its batch in flight commits or rolls back), then the relays, then the pool they share.
 */
@Injectable()
export class ProjectorLifecycle extends ServiceLifecycle {
  private readonly admin: KafkaAdminSession;

  constructor(
    private readonly consumer: TouchpointConsumer,
    relay: InsightRelay,
    profiles: ProfileRelay,
    private readonly engine: ProjectionEngine,
    consents: ConsentFollower,
    @Inject(PG_POOL) pool: Pool,
    @Inject(KAFKA) kafka: Kafka,
    @Inject(KAFKA_PROBE) kafkaProbe: Kafka,
  ) {
    const admin = new KafkaAdminSession(kafkaProbe);
    super({
      steps: [
        { name: 'Kafka topics', start: () => ensureTopics(kafka, TOPIC_SPECS) },
        { name: 'insight relay', start: () => relay.start(), stop: () => relay.stop() },
        { name: 'profile relay', start: () => profiles.start(), stop: () => profiles.stop() },
        { name: 'touchpoint consumer', start: () => consumer.start(), stop: () => consumer.stop() },
        { name: 'consent follower', start: () => consents.start(), stop: () => consents.stop() },
      ],
      kafkaAdmin: admin,
      pool,
    });
    this.admin = admin;
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
