import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parseTouchpoint, type ValidationIssue } from '@cx/contracts';
import type { Touchpoint } from '@cx/domain';

export type TouchpointLine =
  | { readonly ok: true; readonly line: number; readonly touchpoint: Touchpoint }
  | { readonly ok: false; readonly line: number; readonly issues: readonly ValidationIssue[] };

/**
 * Reads JSON lines and passes each through the same validation as ingestion, so that what the
 * command accepts is exactly what the product would store. Blank lines are skipped.
 */
export async function* readTouchpointLines(
  input: Readable,
  now: Date,
): AsyncGenerator<TouchpointLine> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      yield { ok: false, line, issues: [{ path: '', message: `not valid JSON: ${message}` }] };
      continue;
    }
    const result = parseTouchpoint(value, { now });
    yield result.ok
      ? { ok: true, line, touchpoint: result.touchpoint }
      : { ok: false, line, issues: result.issues };
  }
}

export function describeIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; ');
}
