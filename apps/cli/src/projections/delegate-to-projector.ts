import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * `cx projections …` belongs to the projector: it owns the registry of projections, and one app
 * never imports another. The command runs the projector's own entry point with the same
 * arguments, standard streams, environment and Node options (a heap limit or `--cpu-prof` given to
 * `cx` reaches the process doing the work), and exits as it does.
 */
export function delegateToProjector(args: readonly string[]): Promise<number> {
  const entry = join(__dirname, '..', '..', '..', 'projector', 'src', 'projections.main.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, entry, ...args], {
      stdio: 'inherit',
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}
