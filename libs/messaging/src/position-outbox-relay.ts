import type { Logger } from '@nestjs/common';
import { Partitioners, type Kafka, type Message, type Producer } from 'kafkajs';
import type { Notification, Pool, PoolClient } from 'pg';
import { tracingActive } from '@cx/contracts';
import { clusterPartitions, ConfirmedSender } from './confirmed-send';
import { startPublishSpans } from './publish-spans';

/**
 * What one relay publishes. The table must give every row a `position` that increases in commit
 * order with no late commit below a visible one (both writers serialise their inserts with an
 * advisory lock), so reading `position > checkpoint` in position order never skips a row.
 */
export interface PositionOutboxSource<Row extends { readonly position: string }> {
  /** Table read, e.g. `touchpoint_events`; it has a `position` column. */
  readonly table: string;
  /** Select list of a batch; `position` included. */
  readonly columns: string;
  /** Column holding when a row was committed, for the age of the oldest unpublished row. */
  readonly timeColumn: string;
  /** Channel the writer NOTIFYs after committing rows. */
  readonly channel: string;
  /** Row of `relay_checkpoints`; also the key of the single-active-relay lock. */
  readonly checkpointName: string;
  readonly topic: string;
  toMessage(row: Row): Message;
  /**
   * Delete rows once the checkpoint has passed them. For outboxes nothing else reads, whose
   * Kafka topic is the lasting copy; the others keep their rows.
   */
  readonly pruneDelivered?: boolean;
}

export interface PositionOutboxRelayOptions<Row extends { readonly position: string }> {
  readonly pool: Pool;
  readonly kafka: Kafka;
  readonly source: PositionOutboxSource<Row>;
  readonly batchSize: number;
  /** Fallback poll when no NOTIFY arrives (ms). */
  readonly pollIntervalMs: number;
  /** Upper bound of the back-off while Kafka or Postgres is down (ms). */
  readonly maxBackoffMs: number;
  /** The owning relay's logger, so log lines keep its context. */
  readonly logger: Logger;
  /** Names the relay in its outage log lines, e.g. `relay to cx.touchpoints.v1`. */
  readonly label: string;
  readonly observer?: RelayObserver | undefined;
}

/** Told about every batch the broker confirmed, so a service can count what its relay publishes. */
export interface RelayObserver {
  /** `events` messages of `topic` confirmed by the broker, after `seconds` of sending. */
  published(topic: string, events: number, seconds: number): void;
}

export interface PositionOutboxRelayState {
  /** This instance publishes; `false`: it stands by while another instance with the name does. */
  readonly active: boolean;
  readonly running: boolean;
  /** Kafka or Postgres is failing and the relay is backing off. */
  readonly interrupted: boolean;
  readonly lastPublishedPosition: number;
  readonly headPosition: number;
  /** Counts positions, holes included: an upper bound of the rows still to publish. */
  readonly behind: number;
  readonly oldestUnpublishedAgeSeconds: number | null;
}

/** Two-key advisory lock space of relay leadership ('cxre'); the key is the checkpoint name. */
const RELAY_LOCK_SPACE = 0x63787265;

/**
 * Publishes an outbox table to Kafka in position order, at least once: it sends a batch, then,
 * once every partition of the batch is confirmed by the broker's reply (`ConfirmedSender`), moves
 * its checkpoint (compare-and-set); a crash in between republishes the batch, and consumers
 * dedupe. Wakes on NOTIFY, polls as a fallback, backs off while Kafka or Postgres is down (one log
 * line per outage) and recovers alone.
 */
export class PositionOutboxRelay<Row extends { readonly position: string }> {
  private readonly source: PositionOutboxSource<Row>;
  private readonly logger: Logger;
  private running = false;
  private loop: Promise<void> | null = null;
  private producer: Producer | null = null;
  private sender: ConfirmedSender | null = null;
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

  constructor(private readonly options: PositionOutboxRelayOptions<Row>) {
    this.source = options.source;
    this.logger = options.logger;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.options.pool.on('error', this.onPoolError);
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wakeUp();
    await this.loop;
    this.loop = null;
    await this.dropProducer();
    this.dropListener();
    this.options.pool.off('error', this.onPoolError);
  }

  /** Publish now rather than at the next poll. */
  wakeUp(): void {
    this.woken = true;
    this.wake?.();
  }

  async state(): Promise<PositionOutboxRelayState> {
    const { table, timeColumn } = this.source;
    const { rows } = await this.options.pool.query<{
      checkpoint: string | null;
      head: string | null;
      age: number | null;
    }>(
      `WITH cp AS (SELECT COALESCE((SELECT position FROM relay_checkpoints WHERE name = $1), 0) AS position)
       SELECT cp.position AS checkpoint,
              (SELECT max(position) FROM ${table}) AS head,
              (SELECT EXTRACT(EPOCH FROM now() - ${timeColumn})::float8 FROM ${table}
                 WHERE position > cp.position ORDER BY position LIMIT 1) AS age
         FROM cp`,
      [this.source.checkpointName],
    );
    const row = rows[0];
    const lastPublishedPosition = Number(row?.checkpoint ?? 0);
    const headPosition = Math.max(Number(row?.head ?? 0), lastPublishedPosition);
    const age = row?.age ?? null;
    return {
      active: this.active,
      running: this.running,
      interrupted: this.outageSince !== null,
      lastPublishedPosition,
      headPosition,
      behind: headPosition - lastPublishedPosition,
      oldestUnpublishedAgeSeconds: age === null ? null : Math.max(0, age),
    };
  }

  private async run(): Promise<void> {
    let backoff = 100;
    while (this.running) {
      try {
        const published = await this.step();
        if (this.outageSince !== null) {
          const seconds = ((Date.now() - this.outageSince) / 1000).toFixed(1);
          this.logger.log(`${this.options.label} recovered after ${seconds}s`);
          this.outageSince = null;
        }
        backoff = 100;
        if (published < this.options.batchSize) await this.idle(this.options.pollIntervalMs);
      } catch (error) {
        if (!this.running) break;
        if (this.outageSince === null) {
          this.outageSince = Date.now();
          const message = error instanceof Error ? error.message : String(error);
          this.logger.error(`${this.options.label} interrupted, retrying: ${message}`);
        }
        await this.dropProducer();
        this.dropListener();
        await this.idle(backoff);
        backoff = Math.min(backoff * 2, this.options.maxBackoffMs);
      }
    }
  }

  /** Publishes one batch; returns how many rows it published. */
  private async step(): Promise<number> {
    await this.ensureListener();
    if (!(await this.ensureActive())) return 0;
    const sender = await this.ensureProducer();
    const from = await this.readCheckpoint();
    // Reset before reading: a NOTIFY that arrives during the read is then not lost.
    this.woken = false;
    const { rows } = await this.options.pool.query<Row>(
      `SELECT ${this.source.columns} FROM ${this.source.table}
        WHERE position > $1 ORDER BY position LIMIT $2`,
      [from, this.options.batchSize],
    );
    const last = rows[rows.length - 1];
    if (last === undefined) return 0;
    const sending = performance.now();
    const messages = rows.map((row) => this.source.toMessage(row));
    // Tracing off: the stored trace headers go out as they are, and nothing else is done.
    const spans = tracingActive() ? startPublishSpans(this.source.topic, messages) : null;
    try {
      await sender.send(this.source.topic, spans?.messages ?? messages);
    } catch (error) {
      spans?.end(error);
      throw error;
    }
    spans?.end();
    this.options.observer?.published(
      this.source.topic,
      rows.length,
      (performance.now() - sending) / 1000,
    );
    await this.advanceCheckpoint(from, Number(last.position));
    return rows.length;
  }

  private async readCheckpoint(): Promise<number> {
    if (this.checkpoint !== null) return this.checkpoint;
    const name = this.source.checkpointName;
    await this.options.pool.query(
      'INSERT INTO relay_checkpoints (name, position) VALUES ($1, 0) ON CONFLICT (name) DO NOTHING',
      [name],
    );
    const { rows } = await this.options.pool.query<{ position: string }>(
      'SELECT position FROM relay_checkpoints WHERE name = $1',
      [name],
    );
    this.checkpoint = Number(rows[0]?.position ?? 0);
    return this.checkpoint;
  }

  /** Compare-and-set, so a second relay instance on the same name never moves it backwards. */
  private async advanceCheckpoint(from: number, to: number): Promise<void> {
    const name = this.source.checkpointName;
    const result = await this.options.pool.query(
      `UPDATE relay_checkpoints SET position = $3, updated_at = now()
        WHERE name = $1 AND position = $2`,
      [name, from, to],
    );
    if (result.rowCount === 1) {
      this.checkpoint = to;
      if (this.source.pruneDelivered === true) {
        await this.options.pool.query(`DELETE FROM ${this.source.table} WHERE position <= $1`, [
          to,
        ]);
      }
      return;
    }
    this.logger.warn(`checkpoint ${name} moved by someone else; re-reading it`);
    this.checkpoint = null;
  }

  private async ensureProducer(): Promise<ConfirmedSender> {
    if (this.sender) return this.sender;
    const producer = this.options.kafka.producer({
      // murmur2 like the Java client: other producers put a customer on the same partition.
      createPartitioner: Partitioners.DefaultPartitioner,
      idempotent: true,
      // One request in flight keeps a customer's messages in order even across retries.
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
    this.sender = new ConfirmedSender(
      producer,
      clusterPartitions(this.options.kafka),
      ({ topic, partitions, round }) =>
        this.logger.warn(
          `Kafka's reply left out partitions ${partitions.join(', ')} of ${topic} (send ${round}); sending them again`,
        ),
    );
    return this.sender;
  }

  private async dropProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = null;
    this.sender = null;
    if (producer) await producer.disconnect().catch(() => undefined);
  }

  private async ensureListener(): Promise<void> {
    if (this.listener) return;
    const channel = this.source.channel;
    const client = await this.options.pool.connect();
    client.on('error', () => {
      this.dropListener(client);
      // Without a listener no NOTIFY can come: go and reconnect now, not at the next poll.
      this.wakeUp();
    });
    client.on('notification', (message: Notification) => {
      if (message.channel === channel) this.wakeUp();
    });
    try {
      await client.query(`LISTEN ${channel}`);
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
      [RELAY_LOCK_SPACE, this.source.checkpointName],
    );
    if (rows[0]?.ok !== true) return false;
    this.active = true;
    // Whoever was active before may have moved the checkpoint.
    this.checkpoint = null;
    this.logger.log(`active relay for ${this.source.checkpointName}`);
    return true;
  }

  private dropListener(which: PoolClient | null = this.listener): void {
    if (which === null || which !== this.listener) return;
    this.listener = null;
    this.active = false;
    // Destroy rather than return it to the pool: it holds the LISTEN and the lock, or is dead.
    which.removeAllListeners('notification');
    which.release(true);
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
