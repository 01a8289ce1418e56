import { Logger } from '@nestjs/common';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { Notification, Pool, PoolClient } from 'pg';
import { TOPICS } from '@cx/contracts/topics';
import type { CustomerInsight } from './customer-profile.projection';
import { toInsightMessage } from './customer-insight.message';
import { INSIGHT_CHANNEL } from './read-model.writer';

export interface InsightRelayDeps {
  readonly pool: Pool;
  readonly kafka: Kafka;
  readonly batchSize?: number;
  readonly pollIntervalMs?: number;
  readonly maxBackoffMs?: number;
}

export interface InsightRelayStatus {
  readonly leader: boolean;
  readonly lastPublishedPosition: number;
  readonly headPosition: number;
  readonly behind: number;
}

const CHECKPOINT_NAME = 'customer-insights';
/** Session lock: one relay publishes at a time, whatever the number of projector instances. */
const RELAY_LEADER_LOCK_KEY = 0x6378696c; // 'cxil'

interface OutboxRow {
  position: string;
  payload: CustomerInsight;
  created_at: Date;
}

/**
 * Publishes `insight_outbox` to `cx.customer-insights.v1` in position order, at least once: send,
 * then move the checkpoint (compare-and-set). Insert order is commit order (see the writer's lock),
 * so `position > checkpoint` never skips a late commit. The event store's relay reads
 * `touchpoint_events` and its message format, so this small one keeps the same guarantees for this
 * table rather than bending that one.
 */
export class InsightRelay {
  private readonly logger = new Logger(InsightRelay.name);
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxBackoffMs: number;
  private running = false;
  private loop: Promise<void> | null = null;
  private producer: Producer | null = null;
  private session: PoolClient | null = null;
  private leader = false;
  private woken = false;
  private wake: (() => void) | null = null;

  constructor(private readonly deps: InsightRelayDeps) {
    this.batchSize = deps.batchSize ?? 500;
    this.pollIntervalMs = deps.pollIntervalMs ?? 1000;
    this.maxBackoffMs = deps.maxBackoffMs ?? 5000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakeUp();
    await this.loop;
    this.loop = null;
    await this.dropProducer();
    this.dropSession();
  }

  /** Called after a local commit wrote insights: publish now rather than at the next poll. */
  wakeUp(): void {
    this.woken = true;
    this.wake?.();
  }

  async status(): Promise<InsightRelayStatus> {
    const { rows } = await this.deps.pool.query<{ checkpoint: string | null; head: string | null }>(
      `SELECT (SELECT position FROM relay_checkpoints WHERE name = $1) AS checkpoint,
              (SELECT max(position) FROM insight_outbox) AS head`,
      [CHECKPOINT_NAME],
    );
    const lastPublishedPosition = Number(rows[0]?.checkpoint ?? 0);
    const headPosition = Math.max(Number(rows[0]?.head ?? 0), lastPublishedPosition);
    return {
      leader: this.leader,
      lastPublishedPosition,
      headPosition,
      behind: headPosition - lastPublishedPosition,
    };
  }

  private async run(): Promise<void> {
    let backoff = 100;
    let failing = false;
    while (this.running) {
      try {
        const published = await this.step();
        if (failing) this.logger.log('insight relay recovered');
        failing = false;
        backoff = 100;
        if (published < this.batchSize) await this.idle(this.pollIntervalMs);
      } catch (error) {
        if (!this.running) break;
        if (!failing) {
          const message = error instanceof Error ? error.message : String(error);
          this.logger.error(`insight relay interrupted, retrying: ${message}`);
        }
        failing = true;
        await this.dropProducer();
        this.dropSession();
        await this.idle(backoff);
        backoff = Math.min(backoff * 2, this.maxBackoffMs);
      }
    }
  }

  private async step(): Promise<number> {
    const session = await this.ensureSession();
    if (!this.leader) {
      const { rows } = await session.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock($1) AS ok',
        [RELAY_LEADER_LOCK_KEY],
      );
      this.leader = rows[0]?.ok === true;
      if (!this.leader) return 0;
    }
    const producer = await this.ensureProducer();
    this.woken = false;
    const { rows: cp } = await session.query<{ position: string }>(
      'SELECT position FROM relay_checkpoints WHERE name = $1',
      [CHECKPOINT_NAME],
    );
    const from = Number(cp[0]?.position ?? 0);
    const { rows } = await session.query<OutboxRow>(
      `SELECT position, payload, created_at FROM insight_outbox
        WHERE position > $1 ORDER BY position LIMIT $2`,
      [from, this.batchSize],
    );
    const last = rows[rows.length - 1];
    if (last === undefined) return 0;
    await producer.send({
      topic: TOPICS.customerInsights,
      acks: -1,
      messages: rows.map((row) => toInsightMessage(row.payload, row.created_at.toISOString())),
    });
    await session.query(
      `UPDATE relay_checkpoints SET position = $3, updated_at = now() WHERE name = $1 AND position = $2`,
      [CHECKPOINT_NAME, from, Number(last.position)],
    );
    return rows.length;
  }

  private async ensureSession(): Promise<PoolClient> {
    if (this.session) return this.session;
    const client = await this.deps.pool.connect();
    client.on('error', () => {
      this.dropSession(client);
      this.wakeUp();
    });
    client.on('notification', (message: Notification) => {
      if (message.channel === INSIGHT_CHANNEL) this.wakeUp();
    });
    try {
      await client.query(`LISTEN ${INSIGHT_CHANNEL}`);
    } catch (error) {
      client.release(error instanceof Error ? error : true);
      throw error;
    }
    this.session = client;
    return client;
  }

  private dropSession(which: PoolClient | null = this.session): void {
    if (which === null || which !== this.session) return;
    this.session = null;
    this.leader = false;
    which.removeAllListeners('notification');
    // Destroyed, not returned: it holds the leader lock and a LISTEN, which must end with it.
    which.release(true);
  }

  private async ensureProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.deps.kafka.producer({
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
    });
    try {
      await producer.connect();
    } catch (error) {
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
    this.producer = producer;
    return producer;
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    if (producer) await producer.disconnect().catch(() => undefined);
  }

  private idle(ms: number): Promise<void> {
    if (this.woken || !this.running) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
