import type { DestinationStream } from 'pino';

/** A log destination that keeps each line parsed, for tests that read what was logged. */
export class MemoryLog implements DestinationStream {
  readonly lines: Record<string, unknown>[] = [];

  write(line: string): void {
    this.lines.push(JSON.parse(line) as Record<string, unknown>);
  }
}
