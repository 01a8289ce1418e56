import { Logger } from '@nestjs/common';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { Notification, Pool, PoolClient } from 'pg';
import { TOPICS } from '@cx/contracts/topics';
import {
  toTouchpointMessage,
  type PublicTouchpoint,
  type SealedPersonalData,
  type TouchpointRecordedV1,
} from '@cx/contracts/events/touchpoint-recorded.event';
import { TOUCHPOINT_EVENTS_CHANNEL } from './event-store';

export interface OutboxRelayDeps {
  readonly pool: Pool;
  readonly kafka: Kafka;
  /** Defaults to `cx.touchpoints.v1`. */
  readonly topic?: string;
  /** Checkpoint row name; one per relayed topic. */
  readonly name?: string;
  readonly batchSize?: number;
  /** Fallback poll when no NOTIFY arrives (ms). */
  readonly pollIntervalMs?: number;
  /** Upper bound of the back-off while Kafka or Postgres is down (ms). */
  readonly maxBackoffMs?: number;
  /** Above this many seconds of unpublished age the relay reports itself unhealthy. */
  readonly maxHealthyAgeSeconds?: number;
}

/** Two-key advisory lock space of relay leadership ('cxre'); the key is the checkpoint name. */
const RELAY_LOCK_SPACE = 0x63787265;

export interface OutboxRelayStatus {
  /** This instance publishes; `false`: it stands by while another instance with the name does. */
  readonly active: boolean;
  readonly lastPublishedPosition: number;
  readonly headPosition: number;
  readonly behind: number;
  readonly oldestUnpublishedAgeSeconds: number | null;
  readonly healthy: boolean;
}

interface OutboxRow {
  position: string;
  recorded_at: Date;
  payload: PublicTouchpoint;
  personal: SealedPersonalData | null;
}

/**
 * Publishes committed touchpoints to Kafka in position order, at least once: it sends a batch,
 * then moves its checkpoint; a crash in between republishes the batch, and consumers dedupe by
 * touchpointId. It never skips an event because appends make positions visible in order (see the
 * advisory lock in `EventStore`), so `position > checkpoint` always reads a complete prefix. Kafka
 * or Postgres being down makes it back off and retry; it logs once per outage and recovers alone.
 */
export class OutboxRelay {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly topic: string;
  private readonly name: string;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxHealthyAgeSeconds: number;

  private running = false;
  private loop: Promise<void> | null = null;
  private producer: Producer | null = null;
  private listener: PoolClient | null = null;
  private active = false;
  private checkpoint: number | null = null;
  private outageSince: number | null = null;
  private woken = false;
  private wake: (() => void) | null = null;
  private readonly onPoolError = (error: Error): void => {
    // An idle pooled connection died (e.g. Postgres restarted); the pool replaces it on demand.
    this.logger.debug(`idle database connection lost: ${error.message}`);
  };

  constructor(private readonly deps: OutboxRelayDeps) {
    this.topic = deps.topic ?? TOPICS.touchpoints;
    this.name = deps.name ?? `kafka:${this.topic}`;
    this.batchSize = deps.batchSize ?? 1000;
    this.pollIntervalMs = deps.pollIntervalMs ?? 1000;
    this.maxBackoffMs = deps.maxBackoffMs ?? 5000;
    this.maxHealthyAgeSeconds = deps.maxHealthyAgeSeconds ?? 60;
  }

  start(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.running = true;
    this.deps.pool.on('error', this.onPoolError);
    this.loop = this.run();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakeUp();
    await this.loop;
    this.loop = null;
    await this.dropProducer();
    this.dropListener();
    this.deps.pool.off('error', this.onPoolError);
  }

  async status(): Promise<OutboxRelayStatus> {
    const { rows } = await this.deps.pool.query<{
      checkpoint: string | null;
      head: string | null;
      age: number | null;
    }>(
      `WITH cp AS (SELECT COALESCE((SELECT position FROM relay_checkpoints WHERE name = $1), 0) AS position)
       SELECT cp.position AS checkpoint,
              (SELECT max(position) FROM touchpoint_events) AS head,
              (SELECT EXTRACT(EPOCH FROM now() - recorded_at)::float8 FROM touchpoint_events
                 WHERE position > cp.position ORDER BY position LIMIT 1) AS age
         FROM cp`,
      [this.name],
    );
    const row = rows[0];
    const lastPublishedPosition = Number(row?.checkpoint ?? 0);
    const headPosition = Math.max(Number(row?.head ?? 0), lastPublishedPosition);
    const age = row?.age ?? null;
    const oldestUnpublishedAgeSeconds = age === null ? null : Math.max(0, age);
    return {
      active: this.active,
      lastPublishedPosition,
      headPosition,
      // Counts positions, holes included: an upper bound of the events still to publish.
      behind: headPosition - lastPublishedPosition,
      oldestUnpublishedAgeSeconds,
      healthy:
        this.running &&
        this.outageSince === null &&
        (oldestUnpublishedAgeSeconds === null ||
          oldestUnpublishedAgeSeconds <= this.maxHealthyAgeSeconds),
    };
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (this.running) {
      try {
        const published = await this.step();
        if (this.outageSince !== null) {
          const seconds = ((Date.now() - this.outageSince) / 1000).toFixed(1);
          this.logger.log(`relay to ${this.topic} recovered after ${seconds}s`);
          this.outageSince = null;
        }
        backoff = 100;
        if (published < this.batchSize) await this.idle(this.pollIntervalMs);
      } catch (error) {
        if (!this.running) break;
        if (this.outageSince === null) {
          this.outageSince = Date.now();
          const message = error instanceof Error ? error.message : String(error);
          this.logger.error(`relay to ${this.topic} interrupted, retrying: ${message}`);
        }
        await this.dropProducer();
        this.dropListener();
        await this.idle(backoff);
        backoff = Math.min(backoff * 2, this.maxBackoffMs);
      }
    }
  }

  /** Publishes one batch; returns how many events it published. */
  private async step(): Promise<number> {
    await this.ensureListener();
    if (!(await this.ensureActive())) return 0;
    const producer = await this.ensureProducer();
    const from = await this.readCheckpoint();
    // Reset before reading: a NOTIFY that arrives during the read is then not lost.
    this.woken = false;
    const { rows } = await this.deps.pool.query<OutboxRow>(
      `SELECT position, recorded_at, payload, personal FROM touchpoint_events
        WHERE position > $1 ORDER BY position LIMIT $2`,
      [from, this.batchSize],
    );
    const last = rows[rows.length - 1];
    if (last === undefined) return 0;
    await producer.send({
      topic: this.topic,
      acks: -1,
      messages: rows.map((row) => {
        const event = {
          ...row.payload,
          position: Number(row.position),
          recordedAt: row.recorded_at.toISOString(),
          personal: row.personal,
        } as TouchpointRecordedV1;
        return toTouchpointMessage(event);
      }),
    });
    await this.advanceCheckpoint(from, Number(last.position));
    return rows.length;
  }

  private async readCheckpoint(): Promise<number> {
    if (this.checkpoint !== null) return this.checkpoint;
    await this.deps.pool.query(
      'INSERT INTO relay_checkpoints (name, position) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING',
      [this.name],
    );
    const { rows } = await this.deps.pool.query<{ position: string }>(
      'SELECT position FROM relay_checkpoints WHERE name = $1',
      [this.name],
    );
    this.checkpoint = Number(rows[0]?.position ?? 0);
    return this.checkpoint;
  }

  /** Compare-and-set, so a second relay instance on the same name never moves it backwards. */
  private async advanceCheckpoint(from: number, to: number): Promise<void> {
    const result = await this.deps.pool.query(
      `UPDATE relay_checkpoints SET position = $3, updated_at = now()
        WHERE name = $1 AND position = $2`,
      [this.name, from, to],
    );
    if (result.rowCount === 1) {
      this.checkpoint = to;
      return;
    }
    this.logger.warn(`checkpoint ${this.name} moved by someone else; re-reading it`);
    this.checkpoint = null;
  }

  private async ensureProducer(): Promise<Producer> {
    if (this.producer) return this.producer;
    const producer = this.deps.kafka.producer({
      // murmur2 like the Java client: other producers put a customer on the same partition.
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      // One request in flight keeps a customer's events in order even across retries.
      maxInFlightRequests: 1,
      // Bounded, so an outage surfaces here and the relay's own back-off takes over.
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

  private async ensureListener(): Promise<void> {
    if (this.listener) return;
    const client = await this.deps.pool.connect();
    client.on('error', () => {
      this.dropListener(client);
      // Without a listener no NOTIFY can come: go and reconnect now, not at the next poll.
      this.wakeUp();
    });
    client.on('notification', (message: Notification) => {
      if (message.channel === TOUCHPOINT_EVENTS_CHANNEL) this.wakeUp();
    });
    try {
      await client.query(`LISTEN ${TOUCHPOINT_EVENTS_CHANNEL}`);
    } catch (error) {
      client.release(error instanceof Error ? error : true);
      throw error;
    }
    this.listener = client;
  }

  /**
   * One active relay per checkpoint name: the others stand by, so running the relay in every
   * instance of a service does not publish everything N times. The lock is a session lock on
   * the LISTEN connection: if that instance dies or loses its connection, another takes over.
   */
  private async ensureActive(): Promise<boolean> {
    if (this.active) return true;
    const listener = this.listener;
    if (listener === null) return false;
    const { rows } = await listener.query<{ ok: boolean }>(
      'SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok',
      [RELAY_LOCK_SPACE, this.name],
    );
    if (rows[0]?.ok !== true) return false;
    this.active = true;
    // Whoever was active before may have moved the checkpoint.
    this.checkpoint = null;
    this.logger.log(`active relay for ${this.name}`);
    return true;
  }

  private dropListener(which: PoolClient | null = this.listener): void {
    if (which === null || which !== this.listener) return;
    this.listener = null;
    this.active = false;
    // Destroy rather than return it to the pool: it is LISTENing, or its connection is dead.
    which.removeAllListeners('notification');
    which.release(true);
  }

  private wakeUp(): void {
    this.woken = true;
    this.wake?.();
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
