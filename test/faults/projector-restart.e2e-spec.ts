import { randomBytes } from 'node:crypto';
import type { Touchpoint } from '@cx/domain';
import { journeys } from '../projector/support/journeys';
import { eventually } from '../support/eventually';
import { kafkaBrokers } from '../support/stack';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import {
  appliedCount,
  RecoveryWatch,
  relayCaughtUp,
  ServiceProcess,
  waitApplied,
} from './support/fault-harness';
import { failures, Ledger, reportFault, verifyLedger } from './support/ledger';

jest.setTimeout(300_000);

/** From the new process's start to the first event it applies. */
const REJOIN_BUDGET_MS = 5000;

const ids = (list: readonly Touchpoint[]): string[] => list.map((t) => t.touchpointId);

/**
 * A projector killed with SIGKILL leaves its member in the group, holding its partitions until
 * its session times out. Started again as the same instance (same host and port, so the same
 * default instance id), it removes that member and consumes at once.
 */
describe('a projector killed and started again (e2e)', () => {
  const RUN = randomBytes(4).toString('hex');
  let db: ScratchDatabase;
  let env: Record<string, string>;
  let ingestion: ServiceProcess;
  const projectors: ServiceProcess[] = [];
  let recovery: RecoveryWatch | undefined;

  beforeAll(async () => {
    db = await createScratchDatabase('cx_faults');
    env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers(),
      PROJECTOR_GROUP: `projector.faults-${RUN}`,
      PROJECTOR_CHUNK: '500',
    };
    ingestion = await ServiceProcess.launch('ingestion', env);
    await ingestion.ready();
  });

  afterAll(async () => {
    await recovery?.stop();
    for (const service of [...projectors, ingestion]) await service?.stop('SIGKILL');
    await db?.drop();
  });

  it(`consumes again within ${REJOIN_BUDGET_MS / 1000} s of its restart`, async () => {
    const first = await ServiceProcess.launch('projector', env, { name: 'projector-1' });
    projectors.push(first);
    await first.ready();
    // Working: it holds every partition and has caught up with everything published so far.
    const ledger = new Ledger();
    const before = journeys(`k${RUN}a`, 30, 300, 5);
    await ledger.send(ingestion.url, before, 100);
    await relayCaughtUp(ingestion);
    await waitApplied(db.pool, ids(before));
    await eventually('projector-1 to have caught up', async () => {
      const response = await fetch(`${first.url}/lag`);
      const lag = (await response.json()) as { eventsBehind?: number };
      return lag.eventsBehind === 0 ? true : undefined;
    });

    recovery = new RecoveryWatch(
      () => [ingestion, projectors[projectors.length - 1] ?? first],
      db.pool,
    );
    await first.stop('SIGKILL');
    // Waiting while it is down: published, not applied.
    const after = journeys(`k${RUN}b`, 30, 300, 6);
    await ledger.send(ingestion.url, after, 100);
    await relayCaughtUp(ingestion);
    expect(await appliedCount(db.pool, ids(after))).toBe(0);

    const second = await ServiceProcess.launch('projector', env, {
      name: 'projector-2',
      port: first.port,
    });
    projectors.push(second);
    const firstApplied = await eventually(
      'the restarted projector to apply a new event',
      async () => ((await appliedCount(db.pool, ids(after))) > 0 ? Date.now() : undefined),
      60_000,
      20,
    );
    const rejoinMs = firstApplied - second.startedAt;
    await second.ready();
    const recoveryMs = await recovery.recovered(second.startedAt);
    await waitApplied(db.pool, ids(after));
    console.log(
      `projector killed with SIGKILL and started again: first new event applied ${rejoinMs} ms after the start`,
    );

    expect(second.output()).toMatch(
      /removed 1 member\(s\) of projector\.faults-\w+ that cx-projector\.\S+ left behind/,
    );
    expect(rejoinMs).toBeLessThanOrEqual(REJOIN_BUDGET_MS);
    expect(second.running).toBe(true);
    const verdict = await verifyLedger(db.pool, ledger);
    reportFault('projector killed (SIGKILL), idle, restarted', ledger, verdict, recoveryMs);
    expect(failures(verdict)).toEqual({});
    expect(verdict).toMatchObject({ lost: 0, doubled: 0 });
  });
});
