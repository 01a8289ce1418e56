import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parseStrictJson, parseTouchpoint, type ValidationIssue } from '@cx/contracts';
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
    // The same strict reading as ingestion's: duplicate keys are refused, not resolved.
    const parsed = parseStrictJson(text);
    if (!parsed.ok) {
      const issues =
        parsed.error === 'duplicate_key'
          ? parsed.issues
          : [{ path: '', message: `not valid JSON: ${parsed.message}` }];
      yield { ok: false, line, issues };
      continue;
    }
    const value = parsed.value;
    const result = parseTouchpoint(value, { now });
    yield result.ok
      ? { ok: true, line, touchpoint: result.touchpoint }
      : { ok: false, line, issues: result.issues };
  }
}

export function describeIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => (i.path === '' ? i.message : `${i.path}: ${i.message}`)).join('; ');
}
