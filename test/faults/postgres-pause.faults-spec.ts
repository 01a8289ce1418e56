import { pausePostgres, postgresMode, resumePostgres } from '../support/stack';
import type { RecoveryWatch } from './support/fault-harness';
import { FaultStack } from './support/fault-stack';
import { failures, reportFault, verifyLedger, type OpenLoad } from './support/ledger';

jest.setTimeout(300_000);

const PAUSE_MS = 20_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// An external server (DATABASE_URL given) has no processes here to pause.
const runs = postgresMode() === 'external' ? it.skip : it;

/**
 * Postgres frozen (SIGSTOP to the postmaster and every child) for 20 s under load, then woken:
 * connections stay open but nothing answers, so requests hang and time out on the client, which
 * retries them. None may be acknowledged and then lost, none stored twice.
 */
describe('Postgres paused (SIGSTOP) for 20 s under load (fault)', () => {
  let stack: FaultStack;
  let load: OpenLoad | undefined;
  let recovery: RecoveryWatch | undefined;
  let paused: number[] | null = null;

  beforeAll(async () => {
    stack = await FaultStack.start();
  });

  afterAll(async () => {
    if (paused !== null) await resumePostgres(paused);
    await load?.stop(0);
    await recovery?.stop();
    await stack?.stop();
  });

  runs('acknowledges nothing it then loses, stores nothing twice, and recovers', async () => {
    const pidsBefore = stack.pids();
    load = stack.load();
    recovery = stack.recoveryWatch();
    await load.more(2000);
    const pausedAt = Date.now();
    paused = await pausePostgres();
    await sleep(Math.max(0, pausedAt + PAUSE_MS - Date.now()));
    await resumePostgres(paused);
    paused = null;
    const resumedAt = Date.now();
    const recoveryMs = await recovery.recovered(resumedAt);
    await load.more(1000);
    await load.stop();

    const verdict = await verifyLedger(stack.db.pool, load.ledger);
    reportFault(
      `Postgres paused ${PAUSE_MS / 1000} s (SIGSTOP), 1,000 tp/s`,
      load.ledger,
      verdict,
      recoveryMs,
    );
    expect(stack.pids()).toEqual(pidsBefore);
    for (const s of stack.all()) expect(s.running).toBe(true);
    expect(failures(verdict)).toEqual({});
    expect(verdict).toMatchObject({ lost: 0, doubled: 0 });
    expect(load.abandoned).toBe(0);
    expect(stack.output()).not.toContain("Unhandled 'error' event");
  });
});
