/**
 * Waits that cannot outlive a fault test. A test whose wait hangs is cut off by jest's own
 * timeout with no word of what it waited for; these fail first, naming the wait, so the services'
 * output can be attached (`withOutput`) while they still run.
 */

/** Rejects with `what` if `work` has not settled within `ms`; `work` itself is left to run. */
export async function bounded<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)),
      Math.max(0, ms),
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One test's time, shared out among its waits: each gets at most what it asks for and never more
 * than is left, so the sum of the waits stays below jest's timeout however slow each one is.
 */
export class Budget {
  private readonly deadline: number;

  constructor(readonly totalMs: number) {
    this.deadline = Date.now() + totalMs;
  }

  remainingMs(): number {
    return this.deadline - Date.now();
  }

  /** At most `ms`, and no more than is left; throws, naming `what`, when nothing is left. */
  ms(what: string, ms: number): number {
    const left = this.remainingMs();
    if (left <= 0) {
      throw new Error(`the test's ${this.totalMs} ms were used up before waiting for ${what}`);
    }
    return Math.min(ms, left);
  }

  /** `bounded` with this budget's share. */
  wait<T>(what: string, ms: number, work: () => Promise<T>): Promise<T> {
    return bounded(what, this.ms(what, ms), work());
  }
}

/** `error` with `output` (the services' logs) appended to its message, for the failure report. */
export function withOutput(error: unknown, output: string): Error {
  const original = error instanceof Error ? error : new Error(String(error));
  const wrapped = new Error(`${original.message}\n\n${output}`);
  const frames = (original.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  wrapped.stack = [`${original.name}: ${wrapped.message}`, ...frames].join('\n');
  return wrapped;
}
