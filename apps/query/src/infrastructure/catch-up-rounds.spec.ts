import { CatchUpRounds, type CatchUpCheck, type ProgressSignal } from './catch-up-rounds';

const FALLBACK_MS = 250;

/** Notifications on demand; `next` behaves as `ProgressNotifications.next` does. */
class FakeNotifications implements ProgressSignal {
  mark = 0;
  private readonly sleepers = new Set<() => void>();

  listen(): Promise<void> {
    return Promise.resolve();
  }

  next(ms: number, since: number, interrupt: AbortSignal): Promise<void> {
    if (this.mark !== since || interrupt.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        interrupt.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.sleepers.add(done);
      interrupt.addEventListener('abort', done, { once: true });
    });
  }

  notify(): void {
    this.mark += 1;
    for (const wake of [...this.sleepers]) wake();
  }
}

interface Round {
  readonly reads: readonly string[];
  readonly startedAt: number;
  answer(caughtUp: (read: string) => boolean): void;
  fail(error: Error): void;
}

/** A check whose rounds the test answers by hand, or at once with `auto`. */
function scriptedCheck(auto?: (read: string) => boolean): {
  readonly rounds: Round[];
  readonly check: CatchUpCheck<string>;
  readonly concurrent: () => number;
} {
  const rounds: Round[] = [];
  let inFlight = 0;
  let most = 0;
  const check: CatchUpCheck<string> = (reads) => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    return new Promise<readonly boolean[]>((resolve, reject) => {
      const round: Round = {
        reads: [...reads],
        startedAt: Date.now(),
        answer: (caughtUp) => {
          inFlight -= 1;
          resolve(reads.map(caughtUp));
        },
        fail: (error) => {
          inFlight -= 1;
          reject(error);
        },
      };
      rounds.push(round);
      if (auto !== undefined) round.answer(auto);
    });
  };
  return { rounds, check, concurrent: () => most };
}

type Outcome =
  | { state: 'waiting' }
  | { state: 'answered'; caughtUp: boolean; at: number }
  | {
      state: 'failed';
      error: unknown;
    };

function track(answer: Promise<boolean>): { readonly outcome: Outcome } {
  const tracked: { outcome: Outcome } = { outcome: { state: 'waiting' } };
  answer.then(
    (caughtUp) => (tracked.outcome = { state: 'answered', caughtUp, at: Date.now() }),
    (error: unknown) => (tracked.outcome = { state: 'failed', error }),
  );
  return tracked;
}

/** Lets every promise chain that can move on do so, without moving the clock. */
const settle = (): Promise<void> => jest.advanceTimersByTimeAsync(0);

const never = (): boolean => false;
const always = (): boolean => true;

describe('CatchUpRounds', () => {
  let notifications: FakeNotifications;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    notifications = new FakeNotifications();
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  function rounds(check: CatchUpCheck<string>): CatchUpRounds<string> {
    return new CatchUpRounds(check, notifications, { fallbackMs: FALLBACK_MS });
  }

  const inTenSeconds = (): number => Date.now() + 10_000;

  it('checks a hundred waiters with one round per notification', async () => {
    const script = scriptedCheck();
    const waiting = rounds(script.check);
    const reads = Array.from({ length: 100 }, (_, i) => `customer-${i}`);
    const waiters = reads.map((read) => track(waiting.wait(read, inTenSeconds())));
    await settle();
    expect(script.rounds).toHaveLength(1);
    expect(script.rounds[0]?.reads).toEqual(reads);

    script.rounds[0]?.answer(never);
    await settle();
    expect(script.rounds).toHaveLength(1);

    notifications.notify();
    await settle();
    expect(script.rounds).toHaveLength(2);
    expect(script.rounds[1]?.reads).toHaveLength(100);
    const even = (read: string): boolean => Number(read.split('-')[1]) % 2 === 0;
    script.rounds[1]?.answer(even);
    await settle();
    expect(waiters.filter((w) => w.outcome.state === 'answered')).toHaveLength(50);
    expect(waiting.waiting).toBe(50);

    // A burst of notifications before the next round begins still makes one round.
    notifications.notify();
    notifications.notify();
    notifications.notify();
    await settle();
    expect(script.rounds).toHaveLength(3);
    expect(script.rounds[2]?.reads).toHaveLength(50);
    script.rounds[2]?.answer(always);
    await settle();
    expect(waiters.every((w) => w.outcome.state === 'answered' && w.outcome.caughtUp)).toBe(true);

    // Nobody waits: notifications and time pass without a round.
    notifications.notify();
    await jest.advanceTimersByTimeAsync(5 * FALLBACK_MS);
    expect(script.rounds).toHaveLength(3);
    expect(script.concurrent()).toBe(1);
  });

  it('checks a waiter that arrives during a round in the next one, which follows at once', async () => {
    const script = scriptedCheck();
    const waiting = rounds(script.check);
    track(waiting.wait('early', inTenSeconds()));
    await settle();
    const late = track(waiting.wait('late', inTenSeconds()));
    await settle();
    expect(script.rounds).toHaveLength(1);
    expect(script.rounds[0]?.reads).toEqual(['early']);

    script.rounds[0]?.answer(never);
    await settle();
    expect(script.rounds).toHaveLength(2);
    expect(script.rounds[1]?.reads).toEqual(['early', 'late']);
    script.rounds[1]?.answer((read) => read === 'late');
    await settle();
    expect(late.outcome).toMatchObject({ state: 'answered', caughtUp: true });
    expect(script.concurrent()).toBe(1);
  });

  it('does not miss a notification that arrives while a round runs', async () => {
    const script = scriptedCheck();
    const waiting = rounds(script.check);
    const waiter = track(waiting.wait('customer', inTenSeconds()));
    await settle();
    // The projector commits after this round read the read models: the round cannot see it.
    notifications.notify();
    script.rounds[0]?.answer(never);
    await settle();
    expect(script.rounds).toHaveLength(2);
    script.rounds[1]?.answer(always);
    await settle();
    expect(waiter.outcome).toMatchObject({ state: 'answered', caughtUp: true });
  });

  it('checks a waiter arriving during the pause between rounds at once', async () => {
    const script = scriptedCheck();
    const waiting = rounds(script.check);
    track(waiting.wait('first', inTenSeconds()));
    await settle();
    script.rounds[0]?.answer(never);
    await jest.advanceTimersByTimeAsync(100);
    expect(script.rounds).toHaveLength(1);

    const second = track(waiting.wait('second', inTenSeconds()));
    await settle();
    expect(script.rounds).toHaveLength(2);
    expect(script.rounds[1]?.reads).toEqual(['first', 'second']);
    script.rounds[1]?.answer((read) => read === 'second');
    await settle();
    expect(second.outcome).toMatchObject({ state: 'answered', caughtUp: true });
  });

  it('checks again after the fallback interval when no notification comes', async () => {
    const script = scriptedCheck(never);
    const waiting = rounds(script.check);
    track(waiting.wait('quiet', inTenSeconds()));
    await settle();
    expect(script.rounds).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(FALLBACK_MS - 1);
    expect(script.rounds).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(script.rounds).toHaveLength(2);
  });

  it('answers each waiter not caught up at its own deadline, after a last check', async () => {
    const script = scriptedCheck(never);
    const waiting = rounds(script.check);
    const start = Date.now();
    const short = track(waiting.wait('short', start + 400));
    const long = track(waiting.wait('long', start + 10_000));
    await jest.advanceTimersByTimeAsync(399);
    expect(short.outcome.state).toBe('waiting');

    await jest.advanceTimersByTimeAsync(1);
    expect(short.outcome).toEqual({ state: 'answered', caughtUp: false, at: start + 400 });
    // Checked on arrival, at the fallback interval, and at the deadline.
    expect(script.rounds.map((r) => r.startedAt - start)).toEqual([0, 250, 400]);
    expect(long.outcome.state).toBe('waiting');
    expect(waiting.waiting).toBe(1);
  });

  it('gives a waiter with no time to wait exactly one check', async () => {
    const script = scriptedCheck((read) => read === 'applied');
    const waiting = rounds(script.check);
    const applied = track(waiting.wait('applied', Date.now()));
    const behind = track(waiting.wait('behind', Date.now()));
    await settle();
    expect(script.rounds).toHaveLength(1);
    expect(applied.outcome).toMatchObject({ state: 'answered', caughtUp: true });
    expect(behind.outcome).toMatchObject({ state: 'answered', caughtUp: false });
  });

  it('judges a deadline that passes during a round by the round after it', async () => {
    const script = scriptedCheck();
    const waiting = rounds(script.check);
    const start = Date.now();
    const waiter = track(waiting.wait('slow', start + 100));
    await settle();
    await jest.advanceTimersByTimeAsync(150);
    // Begun before the deadline: its "not yet" is not the last word.
    script.rounds[0]?.answer(never);
    await settle();
    expect(waiter.outcome.state).toBe('waiting');
    expect(script.rounds).toHaveLength(2);
    script.rounds[1]?.answer(always);
    await settle();
    expect(waiter.outcome).toMatchObject({ state: 'answered', caughtUp: true });
  });

  it("fails every waiter of a failed round with the round's error; later waiters get new rounds", async () => {
    const script = scriptedCheck();
    const waiting = rounds(script.check);
    const first = track(waiting.wait('a', inTenSeconds()));
    const second = track(waiting.wait('b', inTenSeconds()));
    await settle();
    const arrivedDuring = track(waiting.wait('c', inTenSeconds()));
    const unreachable = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    script.rounds[0]?.fail(unreachable);
    await settle();
    expect(first.outcome).toEqual({ state: 'failed', error: unreachable });
    expect(second.outcome).toEqual({ state: 'failed', error: unreachable });
    expect(arrivedDuring.outcome.state).toBe('waiting');

    expect(script.rounds).toHaveLength(2);
    expect(script.rounds[1]?.reads).toEqual(['c']);
    script.rounds[1]?.answer(always);
    await settle();
    expect(arrivedDuring.outcome).toMatchObject({ state: 'answered', caughtUp: true });
    expect(waiting.waiting).toBe(0);
  });
});
