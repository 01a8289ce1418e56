import { randomBytes } from 'node:crypto';
import { kafkaBrokers } from '../../support/stack';
import { createScratchDatabase, type ScratchDatabase } from '../../support/scratch-database';
import { RecoveryWatch, ServiceProcess } from './fault-harness';
import { OpenLoad, Reader } from './ledger';

export type ServiceName = 'ingestion' | 'projector' | 'query';

/**
 * A scratch database and the built services on it (ingestion, projector and query, each a child
 * process on a port of its own), for the slow fault tests: a service can be killed and started
 * again on the same port, and `load` drives an open-loop load at whichever ingestion runs.
 */
export class FaultStack {
  readonly services = new Map<ServiceName, ServiceProcess>();
  /** Projectors started besides the main one (a rebalance), by name. */
  readonly extraProjectors: ServiceProcess[] = [];
  private readonly stopped: ServiceProcess[] = [];

  private constructor(
    readonly db: ScratchDatabase,
    readonly env: Record<string, string>,
  ) {}

  /** `kafkaBrokers`: another Kafka than the run's shared broker, e.g. a test's own cluster. */
  static async start(options: { kafkaBrokers?: string } = {}): Promise<FaultStack> {
    const db = await createScratchDatabase('cx_faults');
    const env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: options.kafkaBrokers ?? kafkaBrokers(),
      // A group of its own: its offsets are this database's, not those of other suites.
      PROJECTOR_GROUP: `projector.faults-${randomBytes(4).toString('hex')}`,
      PROJECTOR_CHUNK: '500',
    };
    const stack = new FaultStack(db, env);
    const names: ServiceName[] = ['ingestion', 'projector', 'query'];
    const launched = await Promise.all(names.map((name) => ServiceProcess.launch(name, env)));
    names.forEach((name, i) => stack.services.set(name, launched[i] as ServiceProcess));
    await Promise.all(launched.map((s) => s.ready()));
    return stack;
  }

  service(name: ServiceName): ServiceProcess {
    const found = this.services.get(name);
    if (found === undefined) throw new Error(`no ${name} in the fault stack`);
    return found;
  }

  /** Every service running now (the main three and any extra projectors). */
  all(): ServiceProcess[] {
    return [...this.services.values(), ...this.extraProjectors.filter((p) => p.running)];
  }

  /** Pids of the main three, to tell a ride-through from a restart. */
  pids(): Record<string, number | undefined> {
    return Object.fromEntries([...this.services].map(([name, s]) => [name, s.child.pid]));
  }

  /** Kills `name` with SIGKILL and starts it again on the same port; resolves at the new spawn. */
  async crashAndRestart(name: ServiceName): Promise<ServiceProcess> {
    const old = this.service(name);
    await old.stop('SIGKILL');
    this.stopped.push(old);
    const next = await ServiceProcess.launch(name, this.env, { name, port: old.port });
    this.services.set(name, next);
    return next;
  }

  /** A projector more in the same group, on a port of its own (so another instance id). */
  async addProjector(name: string): Promise<ServiceProcess> {
    const extra = await ServiceProcess.launch('projector', this.env, { name });
    this.extraProjectors.push(extra);
    return extra;
  }

  recoveryWatch(): RecoveryWatch {
    return new RecoveryWatch(() => this.all(), this.db.pool);
  }

  /** 1,000 touchpoints/s by default (batches of 50 every 50 ms) at the ingestion running now. */
  load(options: { batchSize?: number; everyMs?: number; supply?: number } = {}): OpenLoad {
    return new OpenLoad(() => this.service('ingestion').url, options);
  }

  reader(load: OpenLoad): Reader {
    return new Reader(() => this.service('query').url, load.ledger);
  }

  /**
   * Text of every service's output, for failure messages and log checks; with `lastLines`, only
   * the end of each (a failure message stays readable after minutes of load).
   */
  output(lastLines?: number): string {
    return [...this.services.values(), ...this.extraProjectors]
      .map((s) => {
        const text = s.output();
        const shown =
          lastLines === undefined
            ? text
            : text
                .split('\n')
                .slice(-lastLines - 1)
                .join('\n');
        return `--- ${s.name} ---\n${shown}`;
      })
      .join('\n');
  }

  async stop(): Promise<void> {
    for (const s of [...this.extraProjectors, ...this.services.values()]) await s.stop('SIGKILL');
    for (const s of this.stopped) await s.stop('SIGKILL');
    await this.db.drop();
  }
}
