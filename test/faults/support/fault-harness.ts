import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, type Pool } from 'pg';
import type { Touchpoint } from '@cx/domain';
import { Ledger, type Answer } from './ledger';
import { eventually } from '../../support/eventually';
import { createScratchDatabase, type ScratchDatabase } from '../../support/scratch-database';
import { kafkaBrokers } from '../../support/stack';
import { journeys } from '../../projector/support/journeys';
import { distMain, freePort } from '../../projector/support/services';

const ROOT = join(__dirname, '..', '..', '..');

export { Ledger, type Answer } from './ledger';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A built service (dist/) spawned on a port of its own; it is not waited for. */
export class ServiceProcess {
  private log = '';
  readonly child: ChildProcess;
  readonly url: string;
  readonly startedAt = Date.now();
  /** How it exited, once it has. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  private constructor(
    readonly name: string,
    readonly port: number,
    env: Record<string, string>,
    app: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
    this.child = spawn(process.execPath, [distMain(app)], {
      cwd: ROOT,
      // Faults are about the pipeline; access control has its own e2e test.
      // Ingestion leaves the shared broker's inbound topic alone unless env turns it on.
      env: {
        ...process.env,
        CX_AUTH: 'off',
        ...(app === 'ingestion' ? { CX_INBOUND: 'off' } : {}),
        ...env,
        PORT: String(port),
        // Free ports of its own: faulted services never fight over 50051/50052.
        GRPC_PORT: '0',
        KAFKA_LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.log += chunk.toString('utf8')));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.log += chunk.toString('utf8')));
    this.child.once('exit', (code, signal) => {
      this.exit = { code, signal };
    });
  }

  /** Spawns `dist/apps/<app>/src/main.js` on `port` (a free one when not given). */
  static async launch(
    app: string,
    env: Record<string, string>,
    options: { name?: string; port?: number } = {},
  ): Promise<ServiceProcess> {
    return new ServiceProcess(options.name ?? app, options.port ?? (await freePort()), env, app);
  }

  get running(): boolean {
    return this.exit === null;
  }

  /** Everything it wrote, for failure messages and log checks. */
  output(): string {
    return this.log;
  }

  async readiness(): Promise<{ status: number; body: unknown } | null> {
    try {
      const response = await fetch(`${this.url}/health/ready`, {
        signal: AbortSignal.timeout(5000),
      });
      const body: unknown = await response.json();
      return { status: response.status, body };
    } catch {
      return null;
    }
  }

  /** Resolves once /health/ready answers 200; fails if the process exits first. */
  async ready(timeoutMs = 90_000): Promise<void> {
    await eventually(
      `${this.name} to be ready`,
      async () => {
        if (!this.running) {
          throw new Error(`${this.name} exited (${JSON.stringify(this.exit)})\n${this.log}`);
        }
        return (await this.readiness())?.status === 200 ? true : undefined;
      },
      timeoutMs,
      50,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${this.log}`);
    });
  }

  /**
   * Sends `signal` and resolves once the process is gone. With env `CX_FAULTS_LOG_DIR` set, its
   * output is kept there as `<name>-<pid>.log` for reading after the run.
   */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.running) {
      const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill(signal);
      await gone;
    }
    const dir = process.env.CX_FAULTS_LOG_DIR;
    if (dir) writeFileSync(join(dir, `${this.name}-${this.child.pid ?? 0}.log`), this.log);
  }
}

export interface ReadinessSample {
  readonly at: number;
  /** 0: no HTTP answer at all. */
  readonly status: number;
}

/** Polls a service's /health/ready and keeps every answer with its time. */
export class ReadinessWatch {
  readonly samples: ReadinessSample[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly service: ServiceProcess,
    everyMs = 50,
  ) {
    this.loop = (async () => {
      while (this.running) {
        const answer = await this.service.readiness();
        this.samples.push({ at: Date.now(), status: answer?.status ?? 0 });
        await sleep(everyMs);
      }
    })();
  }

  /** The first 200 after the first answer other than 200 at or after `since`. */
  backToReady(since: number): { notReadyAt: number; readyAt: number } | null {
    const down = this.samples.find((s) => s.at >= since && s.status !== 200);
    if (down === undefined) return null;
    const up = this.samples.find((s) => s.at > down.at && s.status === 200);
    return up === undefined ? null : { notReadyAt: down.at, readyAt: up.at };
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/** Polls Postgres with a fresh connection each time: when it stops answering, when it is back. */
export class PostgresWatch {
  downAt: number | null = null;
  upAt: number | null = null;
  private running = true;
  private readonly loop: Promise<void>;

  constructor(url: string, everyMs = 50) {
    this.loop = (async () => {
      while (this.running) {
        const answers = await canQuery(url);
        if (!answers && this.downAt === null) this.downAt = Date.now();
        if (answers && this.downAt !== null && this.upAt === null) this.upAt = Date.now();
        await sleep(everyMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

async function canQuery(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A client sending batches of fresh touchpoints one after another, as an enterprise system
 * would: a 503 is retried (the same batch, so a batch whose commit did go through comes back as
 * duplicates), anything else is recorded as a failure. Every batch ends acknowledged or failed.
 * What it is told goes into its ledger (`verifyLedger`).
 */
export class Trickle {
  readonly ledger: Ledger;
  /** The ids this trickle had acknowledged, in order. */
  readonly acknowledged: string[] = [];
  private readonly pending: Touchpoint[];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(
    private readonly ingestionUrl: string,
    options: { batchSize?: number; pauseMs?: number; supply?: number; ledger?: Ledger } = {},
  ) {
    this.ledger = options.ledger ?? new Ledger();
    const prefix = `f${randomBytes(4).toString('hex')}`;
    const supply = options.supply ?? 20_000;
    // Ten per customer: longer journeys would run past the clock, which ingestion refuses.
    this.pending = journeys(prefix, Math.ceil(supply / 10), supply, 97);
    this.loop = this.run(options.batchSize ?? 5, options.pauseMs ?? 25);
  }

  /** Every answer other than 202 (of this trickle and anything else on its ledger). */
  get refusals(): Answer[] {
    return this.ledger.refusals;
  }

  private async run(batchSize: number, pauseMs: number): Promise<void> {
    while (this.running && this.pending.length > 0) {
      const batch = this.pending.splice(0, batchSize);
      // Retried whatever the answer (until stopped): a failure is recorded, nothing dropped.
      const ok = await this.ledger.deliver(
        () => this.ingestionUrl,
        batch,
        () => this.running,
        {
          pauseMs,
          timeoutMs: 30_000,
        },
      );
      if (ok) this.acknowledged.push(...batch.map((t) => t.touchpointId));
      await sleep(pauseMs);
    }
  }

  /** Answers other than 202 and 503. */
  failures(): Answer[] {
    return this.refusals.filter((a) => a.status !== 503);
  }

  unavailable(): Answer[] {
    return this.refusals.filter((a) => a.status === 503);
  }

  /** Resolves once `n` more batches than now are acknowledged. */
  async more(n: number, batchSize = 5, timeoutMs = 60_000): Promise<void> {
    const target = this.acknowledged.length + n * batchSize;
    await eventually(
      `${n} more acknowledged batches`,
      () => Promise.resolve(this.acknowledged.length >= target ? true : undefined),
      timeoutMs,
      20,
    );
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}

/**
 * Watches recovery: every service's readiness (following a service that is replaced, through
 * `services`) and the projector's progress (the sum of its committed offsets).
 * `recoveryMs(backAt)`: from `backAt` (the dependency or service back) to every service ready
 * and the projector applying again, whichever comes last; null if either never happened.
 */
export class RecoveryWatch {
  private readonly readiness = new Map<string, ReadinessSample[]>();
  private readonly progress: { at: number; offsets: number }[] = [];
  private running = true;
  private readonly loops: Promise<void>[];

  constructor(
    private readonly services: () => readonly ServiceProcess[],
    pool: Pool,
    everyMs = 50,
  ) {
    const serviceLoop = async (): Promise<void> => {
      while (this.running) {
        await Promise.all(
          this.services().map(async (service) => {
            const answer = await service.readiness();
            const list = this.readiness.get(service.name) ?? [];
            list.push({ at: Date.now(), status: answer?.status ?? 0 });
            this.readiness.set(service.name, list);
          }),
        );
        await sleep(everyMs);
      }
    };
    const progressLoop = async (): Promise<void> => {
      while (this.running) {
        try {
          const { rows } = await pool.query<{ n: string }>(
            'SELECT coalesce(sum(next_offset), 0) AS n FROM projection_offsets',
          );
          this.progress.push({ at: Date.now(), offsets: Number(rows[0]?.n ?? 0) });
        } catch {
          // Postgres away: no sample.
        }
        await sleep(everyMs);
      }
    };
    this.loops = [serviceLoop(), progressLoop()];
  }

  /** When `name` first answered ready at or after `since`. */
  readyAt(name: string, since: number): number | null {
    return this.readiness.get(name)?.find((s) => s.at >= since && s.status === 200)?.at ?? null;
  }

  /** When the projector first committed more than it had at `since`. */
  appliedAt(since: number): number | null {
    const before = [...this.progress].reverse().find((p) => p.at < since)?.offsets ?? 0;
    return this.progress.find((p) => p.at >= since && p.offsets > before)?.at ?? null;
  }

  /**
   * The longest stretch within [`from`, `to`] in which the projector committed nothing: with a
   * steady load, how long projection stood still (a fault it rides out without going unready).
   */
  longestStallMs(from: number, to: number): number {
    let lastMove = from;
    let previous: number | null = null;
    let longest = 0;
    for (const p of this.progress) {
      if (p.at < from || p.at > to) continue;
      if (previous !== null && p.offsets !== previous) {
        longest = Math.max(longest, p.at - lastMove);
        lastMove = p.at;
      }
      previous = p.offsets;
    }
    return Math.max(longest, to - lastMove);
  }

  /** How long within [`from`, `to`] `name` answered its readiness probe with anything but 200. */
  unreadyMs(name: string, from: number, to: number): number {
    const samples = (this.readiness.get(name) ?? []).filter((s) => s.at >= from && s.at <= to);
    let total = 0;
    samples.forEach((s, i) => {
      const next = samples[i + 1];
      if (s.status !== 200 && next !== undefined) total += next.at - s.at;
    });
    return total;
  }

  recoveryMs(backAt: number): number | null {
    const times = [
      ...this.services().map((s) => this.readyAt(s.name, backAt)),
      this.appliedAt(backAt),
    ];
    if (times.some((t) => t === null)) return null;
    return Math.max(...(times as number[])) - backAt;
  }

  /** Resolves once every service is ready and the projector applied again after `backAt`. */
  async recovered(backAt: number, timeoutMs = 120_000): Promise<number> {
    try {
      return await eventually(
        'every service ready and the projector applying again',
        () => Promise.resolve(this.recoveryMs(backAt) ?? undefined),
        timeoutMs,
        50,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}: ${this.describe(backAt)}`);
    }
  }

  /** What each service last answered its probe, and whether the projector moved, since `since`. */
  private describe(since: number): string {
    const services = this.services().map((s) => {
      const samples = (this.readiness.get(s.name) ?? []).filter((r) => r.at >= since);
      const last = samples[samples.length - 1];
      const ready = this.readyAt(s.name, since);
      return `${s.name} ${ready === null ? 'never ready' : `ready at +${ready - since} ms`} (last probe ${last?.status ?? 'none'}, ${samples.length} probes)`;
    });
    const applied = this.appliedAt(since);
    const samples = this.progress.filter((p) => p.at >= since);
    return [
      ...services,
      `projector ${applied === null ? 'applied nothing' : `applied at +${applied - since} ms`} (${samples.length} offset samples)`,
    ].join('; ');
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }
}

/** How many of `ids` the event store holds, and how many distinct ones. */
export async function storedCount(
  pool: Pool,
  ids: readonly string[],
): Promise<{ rows: number; distinct: number }> {
  const { rows } = await pool.query<{ n: string; d: string }>(
    `SELECT count(*) AS n, count(DISTINCT touchpoint_id) AS d
       FROM touchpoint_events WHERE touchpoint_id = ANY($1::text[])`,
    [ids],
  );
  return { rows: Number(rows[0]?.n ?? 0), distinct: Number(rows[0]?.d ?? 0) };
}

/** How many of `ids` the projection has applied. */
export async function appliedCount(pool: Pool, ids: readonly string[]): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(
    'SELECT count(*) AS n FROM projection_touchpoints WHERE touchpoint_id = ANY($1::text[])',
    [ids],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Resolves once every one of `ids` is applied by the projection. */
export async function waitApplied(
  pool: Pool,
  ids: readonly string[],
  timeoutMs = 120_000,
): Promise<void> {
  await eventually(
    `${ids.length} touchpoints in the read model`,
    async () => ((await appliedCount(pool, ids)) === ids.length ? true : undefined),
    timeoutMs,
    100,
  );
}

/** Resolves once the ingestion relay has published every stored event. */
export async function relayCaughtUp(ingestion: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  await eventually(
    'the ingestion relay to publish everything',
    async () => {
      const answer = await ingestion.readiness();
      const relay = (answer?.body as { relay?: { behind: number } | null } | undefined)?.relay;
      return relay?.behind === 0 ? true : undefined;
    },
    timeoutMs,
    50,
  );
}

/** A scratch database with ingestion and the projector running on it, as the quick faults use. */
export interface IngestionAndProjector {
  readonly db: ScratchDatabase;
  readonly ingestion: ServiceProcess;
  readonly projector: ServiceProcess;
  stop(): Promise<void>;
}

/**
 * Starts both services on a fresh database, with a consumer group of their own (its offsets are
 * this database's, not those of other suites), and waits until both are ready.
 */
export async function startIngestionAndProjector(): Promise<IngestionAndProjector> {
  const db = await createScratchDatabase('cx_faults');
  const env = {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: kafkaBrokers(),
    PROJECTOR_GROUP: `projector.faults-${randomBytes(4).toString('hex')}`,
    PROJECTOR_CHUNK: '500',
  };
  const [ingestion, projector] = await Promise.all([
    ServiceProcess.launch('ingestion', env),
    ServiceProcess.launch('projector', env),
  ]);
  await Promise.all([ingestion.ready(), projector.ready()]);
  return {
    db,
    ingestion,
    projector,
    async stop() {
      for (const service of [projector, ingestion]) await service.stop();
      await db.drop();
    },
  };
}
