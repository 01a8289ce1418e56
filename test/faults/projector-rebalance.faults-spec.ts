import type { RecoveryWatch, ServiceProcess } from './support/fault-harness';
import { FaultStack } from './support/fault-stack';
import { failures, reportFault, verifyLedger, type OpenLoad } from './support/ledger';
import { eventually } from '../support/eventually';

jest.setTimeout(300_000);

/** The projector's default PROJECTOR_SESSION_TIMEOUT_MS: how long a vanished member is waited for. */
const SESSION_TIMEOUT_MS = 10_000;

interface ProjectorReadiness {
  checks?: { consumer?: { joined: boolean; partitions?: unknown[] } };
}

/** The partitions a projector consumes, from its readiness. */
async function partitions(projector: ServiceProcess): Promise<number> {
  const body = (await projector.readiness())?.body as ProjectorReadiness | undefined;
  return body?.checks?.consumer?.partitions?.length ?? 0;
}

/**
 * A second projector joins the group while the first applies under load (a rebalance hands it
 * partitions mid-stream), then leaves with SIGTERM (another rebalance hands them back): every
 * touchpoint is applied exactly once and every profile is the domain's.
 */
describe('a projector joining and leaving mid-load (fault)', () => {
  let stack: FaultStack;
  let load: OpenLoad | undefined;
  let recovery: RecoveryWatch | undefined;

  beforeAll(async () => {
    stack = await FaultStack.start();
  });

  afterAll(async () => {
    await load?.stop(0);
    await recovery?.stop();
    await stack?.stop();
  });

  it('applies exactly once across both rebalances', async () => {
    load = stack.load();
    recovery = stack.recoveryWatch();
    await load.more(2000);
    const second = await stack.addProjector('projector-b');
    await second.ready();
    await eventually('the second projector to be given partitions', async () =>
      (await partitions(second)) > 0 ? true : undefined,
    );
    await load.more(2000);
    await second.stop('SIGTERM');
    const leftAt = Date.now();
    const first = stack.service('projector');
    const recoveryMs = await recovery.recovered(leftAt);
    await eventually('the first projector to hold every partition again', async () =>
      (await partitions(first)) > 0 && first.running ? true : undefined,
    );
    await load.more(1000);
    await load.stop();

    const verdict = await verifyLedger(stack.db.pool, load.ledger);
    reportFault(
      'second projector joins mid-load, leaves (SIGTERM)',
      load.ledger,
      verdict,
      recoveryMs,
      `exit of the second: ${JSON.stringify(second.exit)}`,
    );
    // A clean leave: Nest's shutdown hooks close the consumer (leaving the group), then re-raise
    // SIGTERM; the first takes the partitions back at once, not after the session timeout.
    expect([0, 'SIGTERM']).toContain(second.exit?.code ?? second.exit?.signal);
    expect(recoveryMs).toBeLessThan(SESSION_TIMEOUT_MS);
    for (const s of stack.all()) expect(s.running).toBe(true);
    expect(failures(verdict)).toEqual({});
    expect(verdict).toMatchObject({ lost: 0, doubled: 0 });
    expect(load.abandoned).toBe(0);
  });
});
