export interface ProbeResult {
  readonly status: 'up' | 'down';
  readonly latencyMs: number;
  readonly error?: string;
}

/** Runs one dependency check with a deadline; never throws. */
export async function probe(
  check: () => Promise<unknown>,
  timeoutMs: number,
): Promise<ProbeResult> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check(), deadline]);
    return { status: 'up', latencyMs: Date.now() - started };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { status: 'down', latencyMs: Date.now() - started, error: message };
  } finally {
    clearTimeout(timer);
  }
}
