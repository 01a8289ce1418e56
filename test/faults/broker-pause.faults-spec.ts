import { pauseKafka, resumeKafka } from '../support/stack';
import type { RecoveryWatch } from './support/fault-harness';
import { FaultStack } from './support/fault-stack';
import { failures, reportFault, verifyLedger, type OpenLoad } from './support/ledger';

jest.setTimeout(300_000);

const PAUSE_MS = 15_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The broker frozen (SIGSTOP of its java process) for 15 s under load, then woken: appends do not
 * need Kafka, the relay and the projector wait or restart their clients, and everything
 * acknowledged is published and projected exactly once.
 */
describe('the Kafka broker paused (SIGSTOP) for 15 s under load (fault)', () => {
  let stack: FaultStack;
  let load: OpenLoad | undefined;
  let recovery: RecoveryWatch | undefined;
  let paused = false;

  beforeAll(async () => {
    stack = await FaultStack.start();
  });

  afterAll(async () => {
    if (paused) resumeKafka();
    await load?.stop(0);
    await recovery?.stop();
    await stack?.stop();
  });

  it('keeps every service up and publishes and projects everything exactly once', async () => {
    const pidsBefore = stack.pids();
    load = stack.load();
    recovery = stack.recoveryWatch();
    await load.more(2000);
    const pausedAt = Date.now();
    pauseKafka();
    paused = true;
    await sleep(Math.max(0, pausedAt + PAUSE_MS - Date.now()));
    resumeKafka();
    paused = false;
    const resumedAt = Date.now();
    const recoveryMs = await recovery.recovered(resumedAt);
    await load.more(1000);
    await load.stop();

    const verdict = await verifyLedger(stack.db.pool, load.ledger);
    reportFault(
      `Kafka broker paused ${PAUSE_MS / 1000} s (SIGSTOP), 1,000 tp/s`,
      load.ledger,
      verdict,
      recoveryMs,
    );
    expect(stack.pids()).toEqual(pidsBefore);
    for (const s of stack.all()) expect(s.running).toBe(true);
    expect(failures(verdict)).toEqual({});
    expect(verdict).toMatchObject({ lost: 0, doubled: 0 });
    expect(load.abandoned).toBe(0);
  });
});
