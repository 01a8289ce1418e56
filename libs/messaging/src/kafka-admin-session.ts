import type { Admin, Kafka } from 'kafkajs';

/**
 * One lazily connected Kafka admin client for health checks and lag figures. A failed request
 * drops the connection so that the next call reconnects instead of reusing a broken client.
 */
export class KafkaAdminSession {
  private admin: Admin | null = null;

  constructor(private readonly kafka: Kafka) {}

  /** Asks the cluster for its metadata. */
  async ping(): Promise<void> {
    await this.use((admin) => admin.describeCluster());
  }

  async use<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    try {
      if (this.admin === null) {
        this.admin = this.kafka.admin();
        await this.admin.connect();
      }
      return await work(this.admin);
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** Disconnects; never throws. */
  async close(): Promise<void> {
    const admin = this.admin;
    this.admin = null;
    await admin?.disconnect().catch(() => undefined);
  }
}
