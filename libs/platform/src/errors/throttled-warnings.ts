/** Where warnings go; a Nest `Logger` fits. */
export interface WarningSink {
  warn(message: string): unknown;
}

/**
 * Logs the first warning of a kind, then at most one per `windowMs`, saying how many were left
 * out in between: an outage under load fails every request the same way, and one line per
 * request would bury the rest of the log.
 */
export class ThrottledWarnings {
  private readonly last = new Map<string, { at: number; skipped: number }>();

  constructor(
    private readonly sink: WarningSink,
    private readonly windowMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(kind: string, message: string): void {
    const now = this.now();
    const last = this.last.get(kind);
    if (last !== undefined && now - last.at < this.windowMs) {
      last.skipped += 1;
      return;
    }
    const skipped =
      last !== undefined && last.skipped > 0
        ? ` (${last.skipped} more ${kind} not logged in the ${((now - last.at) / 1000).toFixed(0)} s before)`
        : '';
    this.sink.warn(`${message}${skipped}`);
    this.last.set(kind, { at: now, skipped: 0 });
  }
}
