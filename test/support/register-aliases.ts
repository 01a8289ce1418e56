import Module from 'node:module';
import { join } from 'node:path';

// Jest applies `moduleNameMapper` inside test workers only; the global setup and teardown run
// under plain Node require, so the `@cx/*` path aliases are resolved here the same way.
const ALIAS = /^@cx\/(domain|contracts|event-store|read-models|messaging|platform)(\/.*)?$/;
const root = join(__dirname, '..', '..');

interface ResolvingModule {
  _resolveFilename(request: string, ...rest: unknown[]): string;
}

const resolving = Module as unknown as ResolvingModule;
const original = resolving._resolveFilename.bind(resolving);
let installed = false;

export function registerAliases(): void {
  if (installed) {
    return;
  }
  installed = true;
  resolving._resolveFilename = (request: string, ...rest: unknown[]): string => {
    const match = ALIAS.exec(request);
    const mapped = match ? join(root, 'libs', match[1] ?? '', 'src', match[2] ?? '') : request;
    return original(mapped, ...rest);
  };
}

registerAliases();
