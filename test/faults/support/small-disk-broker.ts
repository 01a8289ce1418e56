import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  brokerPidFromState,
  startKafka,
  stopKafkaBroker,
  type KafkaBroker,
} from '../../../infra/local/kafka-broker';
import { isAlive, readTail, type LogLine } from '../../../infra/local/process-utils';
import { TmpfsMount, tmpfsMountPoints } from './tmpfs-mount';

/** Folders of these brokers, in the system's temporary folder. */
const PREFIX = 'cx-disk-full-';
const OWNER_FILE = 'owner';

/**
 * A Kafka broker of its own (not the run's shared one) whose log directory (`<dir>/data`, every
 * partition and the KRaft metadata log) is a small tmpfs, so that a test can fill it up. Its
 * config and its own logs stay on the ordinary disk, in `<dir>`.
 */
export interface SmallDiskBroker {
  readonly brokers: string;
  readonly disk: TmpfsMount;
  /** The broker's server.log. */
  readonly logFile: string;
  /** Its JVM runs (it halts when its only log directory fails). */
  running(): boolean;
  /** Stops it (SIGTERM, SIGKILL after 30 s) if it runs, and starts it on the same data. */
  restart(): Promise<void>;
  /** The last lines of its server.log, for failure messages. */
  logTail(lines?: number): string;
  /** How long its server.log is now: a mark for `logSince`. */
  logSize(): number;
  /** What its server.log got after `mark`. */
  logSince(mark: number): string;
  /** Kills the broker, unmounts the tmpfs and deletes the folder; safe to call twice. */
  dispose(): Promise<void>;
}

/**
 * Removes what a run killed before its cleanup left behind (its broker, the mounted tmpfs), so
 * that the ports and the memory are free again; folders whose owner still runs are left alone.
 */
async function removeLeftovers(): Promise<void> {
  for (const name of readdirSync(tmpdir()).filter((n) => n.startsWith(PREFIX))) {
    const dir = join(tmpdir(), name);
    const owner = Number(readFileOr(join(dir, OWNER_FILE), '0'));
    if (owner > 0 && owner !== process.pid && isAlive(owner)) continue;
    await stopKafkaBroker(dir, { hard: true });
    const data = join(dir, 'data');
    if (tmpfsMountPoints().includes(data)) {
      try {
        execFileSync('umount', [data], { timeout: 10_000 });
      } catch {
        execFileSync('umount', ['-l', data], { timeout: 10_000 });
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function readFileOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

function readFrom(file: string, offset: number): string {
  if (!existsSync(file)) return '';
  const length = Math.max(0, statSync(file).size - offset);
  const buffer = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buffer, 0, length, offset);
  } finally {
    closeSync(fd);
  }
  return buffer.toString('utf8');
}

/** Mounts a `sizeMb` tmpfs as the log directory of a fresh broker on `port` and starts it. */
export async function startSmallDiskBroker(options: {
  sizeMb: number;
  port: number;
  controllerPort: number;
  log: LogLine;
}): Promise<SmallDiskBroker> {
  await removeLeftovers();
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(dir, OWNER_FILE), String(process.pid));
  let disk: TmpfsMount | undefined;
  let disposed = false;
  const dispose = async (): Promise<void> => {
    if (disposed) return;
    disposed = true;
    // The JVM first: a file it holds open in the tmpfs keeps it busy.
    await stopKafkaBroker(dir, { hard: true });
    await disk?.unmount();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    disk = await TmpfsMount.mount(join(dir, 'data'), options.sizeMb);
    const broker: KafkaBroker = await startKafka({
      dataDir: dir,
      port: options.port,
      controllerPort: options.controllerPort,
      useEnv: false,
      // A broker already on the port is someone else's: fail rather than fill theirs.
      reuseRunning: false,
      heapMb: 384,
      log: options.log,
    });
    const mounted = disk;
    const logFile = broker.logFile ?? join(dir, 'logs', 'server.log');
    return {
      brokers: broker.brokers,
      disk: mounted,
      logFile,
      running: () => brokerPidFromState(dir) !== null,
      restart: async () => {
        await stopKafkaBroker(dir);
        await broker.start();
      },
      logTail: (lines = 40) => (existsSync(logFile) ? readTail(logFile, lines) : '(no log)'),
      logSize: () => (existsSync(logFile) ? statSync(logFile).size : 0),
      logSince: (mark) => readFrom(logFile, mark),
      dispose,
    };
  } catch (error) {
    await dispose();
    throw error;
  }
}
