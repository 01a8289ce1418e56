import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Pool } from 'pg';
import { ApiKeyStore } from '@cx/event-store';
import { SCOPES } from '@cx/platform';
import { migrateDatabase } from '@cx/read-models';
import { repoRoot } from '../local/repo-root';
import { until } from './stats';

/** A Node process of ours (a built service, or the raw reference server). */
export interface ChildService {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  /** An API key with every scope for a service with a database; null for the raw server. */
  readonly key: string | null;
  /** The tail of what it printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function builtFile(...parts: string[]): string {
  const file = join(repoRoot(), 'dist', ...parts);
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first`);
  return file;
}

async function answersReady(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health/ready`)).status === 200;
  } catch {
    return false;
  }
}

const running = new Set<ChildService>();

// Last resort when the harness dies without stopping its children: none outlives it.
process.once('exit', () => {
  for (const child of running) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
});

/** Every child still running, for CPU accounting and the final clean-up. */
export function runningChildren(): readonly ChildService[] {
  return [...running];
}

/**
 * Spawns `node <file>` with `env` and a free PORT, and waits until `/health/ready` answers 200
 * (the built services answer it once Postgres and Kafka do; the raw server at once).
 */
export async function startChild(
  name: string,
  file: string,
  env: Record<string, string>,
  key: string | null = null,
): Promise<ChildService> {
  const port = await freePort();
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [...profilingArgs(), file], {
    cwd: repoRoot(),
    // GRPC_PORT 0: a free port, so a bench never fights a running service over 50051/50052.
    env: { ...process.env, KAFKA_LOG_LEVEL: 'error', GRPC_PORT: '0', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const service: ChildService = {
    name,
    pid: child.pid ?? -1,
    port,
    url,
    key,
    output: () => output,
    stop: async () => {
      running.delete(service);
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  running.add(service);
  try {
    await until(
      `${name} to be ready`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode})`);
        return answersReady(url);
      },
      90_000,
      100,
    );
  } catch (error) {
    await service.stop();
    throw new Error(`${String(error)}\n${output}`);
  }
  return service;
}

/**
 * `BENCH_CPU_PROFILE=<dir>` runs every product process with `--cpu-prof` into that folder (Node
 * refuses the flag in NODE_OPTIONS), so a stage's figure can be read against its profile.
 */
function profilingArgs(): string[] {
  const dir = process.env.BENCH_CPU_PROFILE;
  if (!dir) return [];
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, '-r', join(__dirname, 'exit-on-signal.js')];
}

/**
 * A built service: `dist/apps/<app>/src/main.js`, with access control on as in production: it
 * gets a fresh key of its database, and a rate limit far above what the bench sends, so that
 * the figures measure the service rather than the limiter's refusals.
 */
export async function startService(
  app: string,
  env: Record<string, string>,
): Promise<ChildService> {
  const databaseUrl = env.DATABASE_URL;
  const key = databaseUrl === undefined ? null : await issueKey(databaseUrl);
  return startChild(
    app,
    builtFile('apps', app, 'src', 'main.js'),
    {
      CX_RATE_LIMIT_PER_SECOND: '10000000',
      CX_RATE_LIMIT_BURST: '10000000',
      // The bench measures REST ingestion; the inbound topic is not its business.
      ...(app === 'ingestion' ? { CX_INBOUND: 'off' } : {}),
      ...env,
    },
    key,
  );
}

async function issueKey(databaseUrl: string): Promise<string> {
  await migrateDatabase(databaseUrl);
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    const issued = await new ApiKeyStore(pool).issue({ name: 'bench', scopes: SCOPES });
    return issued.key;
  } finally {
    await pool.end();
  }
}

/** Runs `node <file> args…` to completion; rejects on a non-zero exit. */
export function runNode(
  file: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ stdout: string; pid: number; cpuSeconds: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...profilingArgs(), file, ...args], {
      cwd: repoRoot(),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let cpu = 0;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    // The last reading before it exits (/proc is gone once it has been reaped), of the process
    // and whatever it spawned (`cx projections` runs the projector's command as a child).
    const sampler = setInterval(() => (cpu = Math.max(cpu, treeCpuSeconds(child.pid ?? -1))), 100);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearInterval(sampler);
      if (code === 0) resolve({ stdout, pid: child.pid ?? -1, cpuSeconds: cpu });
      else reject(new Error(`${file} exited with ${code}: ${stderr}`));
    });
  });
}

// ---- CPU accounting from /proc ----

const TICKS_PER_SECOND = 100;

/** utime+stime (+ reaped children) of a process, in seconds; null when it is gone. */
export function processCpuSeconds(pid: number, withChildren = false): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields after the command: state is [0]; utime [11], stime [12], cutime [13], cstime [14].
    const own = Number(fields[11]) + Number(fields[12]);
    const children = withChildren ? Number(fields[13]) + Number(fields[14]) : 0;
    return (own + children) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** CPU seconds of a process and of all its descendants, living or reaped. */
export function treeCpuSeconds(root: number): number {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // Gone meanwhile.
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parents.get(p)) {
      if (p === root) return true;
    }
    return false;
  };
  let total = 0;
  for (const pid of parents.keys()) if (inTree(pid)) total += processCpuSeconds(pid, true) ?? 0;
  return total;
}

/**
 * Every `postgres` process of the machine, backends and the postmaster's reaped backends
 * included. On a shared machine this counts other users of the server too.
 */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const comm = readFileSync(`/proc/${entry}/comm`, 'utf8').trim();
      if (comm === 'postgres') total += processCpuSeconds(Number(entry), true) ?? 0;
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}

export function harnessCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** A named cumulative CPU-seconds counter. */
export interface CpuSource {
  readonly name: string;
  read(): number | null;
}

/** Cores used by each component over a window: CPU seconds / wall seconds. */
export type CpuCores = Record<string, number>;

export class CpuMeter {
  private readonly startedAt = performance.now();
  private readonly before: Map<CpuSource, number | null>;

  constructor(private readonly sources: readonly CpuSource[]) {
    this.before = new Map(sources.map((s) => [s, s.read()]));
  }

  stop(): CpuCores {
    const wall = (performance.now() - this.startedAt) / 1000;
    const cores: CpuCores = {};
    for (const source of this.sources) {
      const start = this.before.get(source);
      const end = source.read();
      if (start === null || start === undefined || end === null || wall <= 0) continue;
      cores[source.name] = (cores[source.name] ?? 0) + (end - start) / wall;
    }
    return cores;
  }
}

/** Averages the CPU readings of several repetitions. */
export function meanCores(readings: readonly CpuCores[]): CpuCores {
  const sum: CpuCores = {};
  for (const reading of readings) {
    for (const [name, cores] of Object.entries(reading)) sum[name] = (sum[name] ?? 0) + cores;
  }
  for (const name of Object.keys(sum)) sum[name] = (sum[name] ?? 0) / readings.length;
  return sum;
}

/** Busy CPU seconds of the whole machine (every core, every process), from /proc/stat. */
export function machineCpuSeconds(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return (
      ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) /
      TICKS_PER_SECOND
    );
  } catch {
    return null;
  }
}
