import type { RecoveryWatch } from './support/fault-harness';
import { FaultStack, type ServiceName } from './support/fault-stack';
import { failures, reportFault, verifyLedger, type OpenLoad, type Reader } from './support/ledger';

jest.setTimeout(300_000);

/** Seed of the kill points; set CX_FAULTS_SEED to replay another run's. */
const SEED = Number(process.env.CX_FAULTS_SEED ?? 20250601);

/** A small deterministic generator (xorshift32): the same seed, the same kill points. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Each service killed with SIGKILL at a random point (seeded) under an open-loop load and a
 * reader, then started again on the same port: clients retry unacknowledged batches with the same
 * touchpointIds (duplicates are recognised by the store); nothing acknowledged is lost or doubled.
 */
describe('a service killed (SIGKILL) under load and restarted (fault)', () => {
  const next = random(SEED);
  let stack: FaultStack;
  let load: OpenLoad | undefined;
  let reader: Reader | undefined;
  let recovery: RecoveryWatch | undefined;

  beforeAll(async () => {
    stack = await FaultStack.start();
  });

  afterEach(async () => {
    await reader?.stop();
    await load?.stop(0);
    await recovery?.stop();
    reader = undefined;
    load = undefined;
    recovery = undefined;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it.each<ServiceName>(['ingestion', 'projector', 'query'])(
    'kill -9 of %s: lost 0, doubled 0',
    async (name) => {
      // 500 touchpoints/s: three restarts in one file, within the suite's time budget.
      load = stack.load({ batchSize: 25 });
      reader = stack.reader(load);
      recovery = stack.recoveryWatch();
      await load.more(500);
      // Somewhere in the next 0.5 to 3 s of load.
      const killAfterMs = Math.round(500 + next() * 2500);
      await sleep(killAfterMs);
      const restarted = await stack.crashAndRestart(name);
      const backAt = restarted.startedAt;
      await restarted.ready();
      const recoveryMs = await recovery.recovered(backAt);
      await load.more(500);
      await load.stop();
      await reader.stop();

      const verdict = await verifyLedger(stack.db.pool, load.ledger);
      reportFault(
        `kill -9 ${name} (after ${killAfterMs} ms of load, seed ${SEED}), restarted`,
        load.ledger,
        verdict,
        recoveryMs,
        `${reader.reads} reads`,
      );
      for (const s of stack.all()) expect(s.running).toBe(true);
      expect(failures(verdict)).toEqual({});
      expect(verdict).toMatchObject({ lost: 0, doubled: 0 });
      expect(load.abandoned).toBe(0);
    },
  );
});
