/**
 * What wakes the rounds: the projector's commit notifications, counted by a generation `mark` so
 * that one arriving while a round runs is not lost (see `ProgressNotifications`).
 */
export interface ProgressSignal {
  readonly mark: number;
  listen(): Promise<void>;
  /** Resolves at the first notification after `since`, after `ms`, or once `interrupt` aborts. */
  next(ms: number, since: number, interrupt: AbortSignal): Promise<void>;
}

/** One round: for each read, in order, whether the read models have caught up with it. */
export type CatchUpCheck<R> = (reads: readonly R[]) => Promise<readonly boolean[]>;

export interface CatchUpRoundsOptions {
  /** The longest pause between rounds without a notification (a rolled-back append sends none). */
  readonly fallbackMs: number;
  readonly now?: () => number;
}

interface Waiter<R> {
  readonly read: R;
  readonly deadline: number;
  readonly answer: (caughtUp: boolean) => void;
  readonly fail: (error: unknown) => void;
}

/**
 * Every waiting read is checked by one shared round rather than its own queries, so a notification
 * costs one check however many requests wait. A round runs when a waiter arrives while none does,
 * when a notification arrives, when a waiter's deadline comes, or after `fallbackMs` without any.
 * Rounds never overlap: a waiter arriving during one is checked by the next, which follows at once.
 */
export class CatchUpRounds<R> {
  private readonly waiters = new Set<Waiter<R>>();
  private readonly now: () => number;
  private running = false;
  /** Set by an arrival: the current round's snapshot does not include it, so no pause follows. */
  private arrived = false;
  /** The pause between rounds, interrupted when a waiter arrives. */
  private pause: AbortController | null = null;

  constructor(
    private readonly check: CatchUpCheck<R>,
    private readonly signal: ProgressSignal,
    private readonly options: CatchUpRoundsOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Resolves `true` once a round finds `read` caught up, `false` once a round begun at or after
   * `deadline` does not (so even a deadline already past gets one check), and rejects with the
   * error of a failed round it was part of.
   */
  wait(read: R, deadline: number): Promise<boolean> {
    return new Promise<boolean>((answer, fail) => {
      this.waiters.add({ read, deadline, answer, fail });
      this.arrived = true;
      this.pause?.abort();
      if (!this.running) {
        this.running = true;
        void this.run();
      }
    });
  }

  /** How many requests wait now (for tests and diagnostics). */
  get waiting(): number {
    return this.waiters.size;
  }

  private async run(): Promise<void> {
    try {
      while (this.waiters.size > 0) {
        const mark = await this.round();
        await this.pauseAfter(mark);
      }
    } catch (error) {
      // Not a failed check (a round answers those itself): still, no request may hang on it.
      this.failAll([...this.waiters], error);
    } finally {
      this.running = false;
    }
  }

  /** Checks every current waiter once; returns the notification mark taken before the check. */
  private async round(): Promise<number> {
    await this.signal.listen();
    // Taken before the check: a notification from here on makes `next` return at once.
    const mark = this.signal.mark;
    const startedAt = this.now();
    this.arrived = false;
    const batch = [...this.waiters];
    let verdicts: readonly boolean[];
    try {
      verdicts = await this.check(batch.map((waiter) => waiter.read));
    } catch (error) {
      this.failAll(batch, error);
      return mark;
    }
    batch.forEach((waiter, i) => {
      const caughtUp = verdicts[i] === true;
      if (!caughtUp && waiter.deadline > startedAt) return;
      this.waiters.delete(waiter);
      waiter.answer(caughtUp);
    });
    return mark;
  }

  private async pauseAfter(mark: number): Promise<void> {
    if (this.waiters.size === 0 || this.arrived) return;
    let earliest = Infinity;
    for (const waiter of this.waiters) earliest = Math.min(earliest, waiter.deadline);
    const ms = Math.min(this.options.fallbackMs, earliest - this.now());
    if (ms <= 0) return;
    const pause = new AbortController();
    this.pause = pause;
    try {
      await this.signal.next(ms, mark, pause.signal);
    } finally {
      this.pause = null;
    }
  }

  private failAll(waiters: readonly Waiter<R>[], error: unknown): void {
    for (const waiter of waiters) {
      this.waiters.delete(waiter);
      waiter.fail(error);
    }
  }
}
