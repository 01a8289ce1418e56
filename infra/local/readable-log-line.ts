/**
 * The services log one JSON object per line, for machines. `npm start` shows them to a person:
 * `12:03:04 info  [RelayService] published 12 events`, a request as
 * `12:03:05 info  POST /v1/touchpoints 202 3.1 ms (req 6f1c…)`. `CX_LOG_FORMAT=json` keeps the
 * lines as they are; anything that is not such a line is shown unchanged.
 */
export function readableLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return line;
  }
  if (typeof entry !== 'object' || entry === null) return line;
  const fields = entry as Record<string, unknown>;
  const { level, time, msg } = fields;
  if (typeof level !== 'string' || typeof msg !== 'string') return line;
  const clock = typeof time === 'string' && time.length >= 19 ? time.slice(11, 19) : '';
  const head = `${clock} ${level.padEnd(5)}`;
  if (msg === 'request' && typeof fields.route === 'string') {
    const ms = typeof fields.durationMs === 'number' ? fields.durationMs.toFixed(1) : '?';
    const aborted = fields.aborted === true ? ' aborted' : '';
    return `${head} ${String(fields.method)} ${fields.route} ${String(fields.status)} ${ms} ms${aborted} (req ${String(fields.requestId)})`;
  }
  const context = typeof fields.context === 'string' ? ` [${fields.context}]` : '';
  const err = fields.err as { stack?: unknown } | undefined;
  const detail =
    typeof fields.stack === 'string'
      ? `\n${fields.stack}`
      : typeof err?.stack === 'string'
        ? `\n${err.stack}`
        : '';
  return `${head}${context} ${msg}${detail}`;
}
