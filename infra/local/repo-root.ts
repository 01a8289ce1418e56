import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

// Works from the sources (infra/local) and from the build (dist/infra/local) alike, so the
// cache always lands in the repository, never at a machine-specific path.
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (
      existsSync(join(dir, 'package.json')) &&
      existsSync(join(dir, 'infra', 'kafka', 'pom.xml'))
    ) {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`No repository root (package.json + infra/kafka/pom.xml) above ${__dirname}`);
    }
    dir = parent;
  }
}

export function cacheDir(...parts: string[]): string {
  return join(repoRoot(), '.cache', ...parts);
}
