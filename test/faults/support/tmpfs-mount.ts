import { execFile } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  statfsSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** statfs(2)'s f_type of a tmpfs. */
const TMPFS_MAGIC = 0x01021994;
const FILLER = 'filler';

/** Mount points of tmpfs filesystems now (from /proc/self/mounts, where spaces are octal). */
export function tmpfsMountPoints(): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields[2] === 'tmpfs' && fields[1] !== undefined)
    .map((fields) =>
      (fields[1] as string).replace(/\\([0-7]{3})/g, (_, octal: string) =>
        String.fromCharCode(parseInt(octal, 8)),
      ),
    );
}

/**
 * A small tmpfs mounted for one test, to fill up: a disk that runs out, without touching any
 * real filesystem. Every write that fills goes through `check`, which refuses unless the folder
 * is still this tmpfs, so a failed or undone mount can never fill the disk underneath.
 */
export class TmpfsMount {
  private constructor(
    readonly dir: string,
    readonly sizeBytes: number,
  ) {}

  /**
   * Mounts a tmpfs of `sizeMb` at `dir` (created if missing). Throws, saying why, when it cannot
   * (not root, mount refused): the caller's test then fails rather than quietly testing nothing.
   */
  static async mount(dir: string, sizeMb: number): Promise<TmpfsMount> {
    const uid = process.getuid?.();
    if (uid !== 0) {
      throw new Error(
        `mounting a tmpfs needs root, and this runs as uid ${uid ?? 'unknown'}: the disk-full fault cannot be simulated here`,
      );
    }
    mkdirSync(dir, { recursive: true });
    // As /proc/self/mounts names it (no symlink on the way).
    const path = realpathSync(resolve(dir));
    if (tmpfsMountPoints().includes(path)) throw new Error(`${path} already is a tmpfs mount`);
    try {
      await execFileAsync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', path], {
        timeout: 10_000,
      });
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new Error(`mount -t tmpfs -o size=${sizeMb}m at ${path} failed: ${detail}`);
    }
    const mount = new TmpfsMount(path, sizeMb * 1024 * 1024);
    mount.check();
    return mount;
  }

  /** Throws unless `dir` is a mounted tmpfs no larger than asked for. */
  check(): void {
    const stats = statfsSync(this.dir);
    const size = stats.blocks * stats.bsize;
    if (!tmpfsMountPoints().includes(this.dir) || stats.type !== TMPFS_MAGIC) {
      throw new Error(`${this.dir} is not the tmpfs mounted for this test: nothing written to it`);
    }
    if (size > this.sizeBytes) {
      throw new Error(`${this.dir} holds ${size} bytes, more than the ${this.sizeBytes} asked for`);
    }
  }

  freeBytes(): number {
    const stats = statfsSync(this.dir);
    return stats.bavail * stats.bsize;
  }

  /** Writes a filler file until the tmpfs refuses (ENOSPC); returns the bytes it took. */
  fill(): number {
    this.check();
    const fd = openSync(join(this.dir, FILLER), 'w');
    const chunk = Buffer.alloc(1024 * 1024, 0x2e);
    let written = 0;
    try {
      for (;;) {
        try {
          written += writeSync(fd, chunk);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return written;
          throw error;
        }
        // Belt and braces: a bounded tmpfs cannot take more than its size.
        if (written > this.sizeBytes) throw new Error(`${this.dir} took more than its size`);
      }
    } finally {
      closeSync(fd);
    }
  }

  /** Deletes the filler: the space is there again. */
  free(): void {
    rmSync(join(this.dir, FILLER), { force: true });
  }

  /** Unmounts it (lazily if a process still holds a file in it); a no-op once unmounted. */
  async unmount(): Promise<void> {
    if (!tmpfsMountPoints().includes(this.dir)) return;
    try {
      await execFileAsync('umount', [this.dir], { timeout: 10_000 });
    } catch {
      await execFileAsync('umount', ['-l', this.dir], { timeout: 10_000 });
    }
  }
}
