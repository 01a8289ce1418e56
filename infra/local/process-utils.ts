import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export type LogLine = (line: string) => void;

export const silent: LogLine = () => undefined;

/** True while `pid` runs; a zombie (exited, not yet reaped by a parent that is gone) is dead. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    // No procfs (macOS): the signal check is all there is.
    return true;
  }
}

export function commandLineOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return null;
  }
}

export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) {
      return true;
    }
    if (Date.now() >= deadline) {
      return false;
    }
    await delay(intervalMs);
  }
}

export function portAnswers(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    const done = (answer: boolean): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Sends `signal`, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function terminate(
  pid: number,
  signal: NodeJS.Signals,
  graceMs: number,
): Promise<void> {
  if (!isAlive(pid)) {
    return;
  }
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  if (await waitUntil(() => !isAlive(pid), graceMs, 100)) {
    return;
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  await waitUntil(() => !isAlive(pid), 10_000, 100);
}

export function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}

export function readTail(file: string, lines = 40): string {
  try {
    return tail(readFileSync(file, 'utf8'), lines);
  } catch {
    return `(no ${file})`;
  }
}

/**
 * Runs `fn` while holding a lock folder (mkdir is atomic), so concurrent processes do not set up
 * the same server at once. A lock whose holder died is taken over.
 */
export async function withLock<T>(
  lockDir: string,
  fn: () => Promise<T>,
  timeoutMs = 180_000,
): Promise<T> {
  const ownerFile = join(lockDir, 'pid');
  const acquired = await waitUntil(
    () => {
      try {
        mkdirSync(lockDir);
        writeFileSync(ownerFile, String(process.pid));
        return true;
      } catch {
        const holder = Number(readFileOr(ownerFile, '0'));
        if (holder > 0 && !isAlive(holder)) {
          rmSync(lockDir, { recursive: true, force: true });
        }
        return false;
      }
    },
    timeoutMs,
    200,
  );
  if (!acquired) {
    throw new Error(`Timed out waiting for ${lockDir} (held by pid ${readFileOr(ownerFile, '?')})`);
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function readFileOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return fallback;
  }
}

/** The pause before restart number `restarts` + 1: `initialMs`, doubling, at most `maxMs`. */
export function restartDelayMs(restarts: number, initialMs: number, maxMs: number): number {
  return Math.min(initialMs * 2 ** Math.min(restarts, 30), maxMs);
}

export interface SuperviseOptions {
  /** Names the process in the log lines. */
  readonly name: string;
  /** Starts the process (again); called at once and after every exit. */
  readonly spawn: () => ChildProcess;
  readonly log: LogLine;
  /** First pause before a restart (default 500 ms); it doubles with each restart in a row. */
  readonly initialDelayMs?: number;
  /** Longest pause (default 30 s). */
  readonly maxDelayMs?: number;
  /** A process that ran this long before it exited was healthy: the pauses start over (30 s). */
  readonly stableAfterMs?: number;
}

export interface Supervisor {
  /** The running process, or null while waiting to restart it. */
  readonly current: ChildProcess | null;
  /** Restarts so far. */
  readonly restarts: number;
  /**
   * Stops supervising and ends the process: `signal`, then SIGKILL after `graceMs`. Resolves once
   * it is gone, so its ports are free.
   */
  stop(signal: NodeJS.Signals, graceMs: number): Promise<void>;
}

/**
 * Keeps a process running: whenever it exits (a crash, a kill, a failed start) it is started
 * again after a pause that grows while it keeps failing, with one log line per restart.
 */
export function supervise(options: SuperviseOptions): Supervisor {
  const initialMs = options.initialDelayMs ?? 500;
  const maxMs = options.maxDelayMs ?? 30_000;
  const stableAfterMs = options.stableAfterMs ?? 30_000;
  let current: ChildProcess | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  let inARow = 0;
  let restarts = 0;

  const launch = (): void => {
    const startedAt = Date.now();
    const child = options.spawn();
    current = child;
    let ended = false;
    const onEnd = (why: string): void => {
      if (ended) return;
      ended = true;
      if (current === child) current = null;
      if (stopped) return;
      const ranMs = Date.now() - startedAt;
      if (ranMs >= stableAfterMs) inARow = 0;
      const delay = restartDelayMs(inARow, initialMs, maxMs);
      inARow += 1;
      restarts += 1;
      options.log(
        `${options.name} ${why} after ${(ranMs / 1000).toFixed(1)} s; restarting it in ${(delay / 1000).toFixed(1)} s (restart ${restarts})`,
      );
      timer = setTimeout(() => {
        timer = null;
        if (!stopped) launch();
      }, delay);
    };
    child.once('exit', (code, signal) => onEnd(`exited (${signal ?? `code ${code ?? '?'}`})`));
    // Without a listener a failed spawn would end the supervisor itself.
    child.once('error', (error) => onEnd(`could not run (${error.message})`));
  };

  launch();
  return {
    get current() {
      return current;
    },
    get restarts() {
      return restarts;
    },
    async stop(signal, graceMs) {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
      const child = current;
      if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        await terminate(child.pid, signal, graceMs);
      }
    },
  };
}
