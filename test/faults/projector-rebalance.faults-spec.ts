import { TOPIC_SPECS, TOPICS } from '@cx/contracts';
import { eventually } from '../support/eventually';
import { Budget, bounded, withOutput } from './support/bounded';
import { ReadinessWatch, type RecoveryWatch } from './support/fault-harness';
import { FaultStack } from './support/fault-stack';
import { failures, reportFault, verifyLedger, type OpenLoad } from './support/ledger';
import { heldPartitions, notAdvanced, recordedOffsets } from './support/projector-partitions';

jest.setTimeout(300_000);

/** The test's own waits share this, so one of them fails, naming itself, before jest's timeout. */
const TEST_BUDGET_MS = 260_000;
/** The projector's default PROJECTOR_SESSION_TIMEOUT_MS: how long a vanished member is waited for. */
const SESSION_TIMEOUT_MS = 10_000;
/** A projector given SIGTERM finishes its batch in flight, leaves the group and exits. */
const EXIT_MS = 30_000;
const TOPIC = TOPICS.touchpoints;
const PARTITIONS = [
  ...Array(TOPIC_SPECS.find((spec) => spec.name === TOPIC)?.partitions ?? 0).keys(),
];
const OUTPUT_LINES = 80;

type Leave = 'SIGTERM' | 'SIGKILL';

/** How long the group may take to hand the leaver's partitions back to the first projector. */
const HANDOVER_LIMIT_MS: Record<Leave, number> = {
  // A clean leave (LeaveGroup): the group rebalances at once, not after the session timeout.
  SIGTERM: SESSION_TIMEOUT_MS,
  // Killed, it cannot leave: the group waits for its session to time out, then rebalances.
  SIGKILL: SESSION_TIMEOUT_MS + 20_000,
};

/**
 * A second projector joins the group while the first applies under load (a rebalance hands it
 * part of the partitions mid-stream), applies its share, then leaves: with SIGTERM (it finishes
 * its batch and leaves the group) or SIGKILL (the group waits out its session). Every partition
 * goes back to the first, nothing is lost or applied twice and every profile is the domain's.
 *
 * The earlier version hung in CI: the recovery watch polls the readiness of every running service
 * every 50 ms over keep-alive connections, the leaving projector included, and Nest closes the HTTP
 * server first on SIGTERM and waits for it. Node's `close()` only dropped the connections idle at
 * that instant, so when a probe was in flight the projector went on answering the next ones and
 * never exited, while the test awaited its exit with no bound (the platform's adapter now ends
 * those connections when it closes). Every wait here is bounded and named, the waits share a
 * budget below jest's timeout, and a failure carries the services' output.
 */
describe('a projector joining and leaving mid-load (fault)', () => {
  let stack: FaultStack | undefined;
  let load: OpenLoad | undefined;
  let recovery: RecoveryWatch | undefined;

  beforeEach(async () => {
    stack = await FaultStack.start();
  });

  afterEach(async () => {
    await load?.stop(0);
    await recovery?.stop();
    // SIGKILLs every service, a second projector that would not exit included.
    await stack?.stop();
    load = undefined;
    recovery = undefined;
    stack = undefined;
  });

  it.each<[Leave]>([['SIGTERM'], ['SIGKILL']])(
    'applies exactly once across both rebalances (the second leaves with %s)',
    async (leave) => {
      if (stack === undefined) throw new Error('the fault stack did not start');
      const running = stack;
      try {
        await joinThenLeave(running, leave);
      } catch (error) {
        throw withOutput(
          error,
          `--- services' output (last ${OUTPUT_LINES} lines each) ---\n${running.output(OUTPUT_LINES)}`,
        );
      }
    },
  );

  async function joinThenLeave(running: FaultStack, leave: Leave): Promise<void> {
    const budget = new Budget(TEST_BUDGET_MS);
    const group = running.env.PROJECTOR_GROUP;
    if (group === undefined) throw new Error('the fault stack names no PROJECTOR_GROUP');
    const offsets = (): Promise<Map<number, bigint>> =>
      recordedOffsets(running.db.pool, group, TOPIC);
    /** Polls `check` until it gives a value, within this test's budget. */
    const waitFor = <T>(what: string, ms: number, check: () => Promise<T | undefined>) =>
      budget.wait(what, ms, () => eventually(what, check, ms + 1000, 100));

    const first = running.service('projector');
    const pidsBefore = running.pids();
    const openLoad = running.load();
    load = openLoad;
    const watch = running.recoveryWatch();
    recovery = watch;
    await budget.wait('2,000 touchpoints acknowledged before the join', 30_000, () =>
      openLoad.more(2000, 30_000),
    );

    // Join: the group rebalances and splits the partitions between both.
    const second = await running.addProjector('projector-b');
    await budget.wait('projector-b to be ready', 90_000, () => second.ready(90_000));
    const split = await waitFor(
      `both projectors to hold part of the ${PARTITIONS.length} partitions, together all`,
      60_000,
      async () => {
        const [a, b] = await Promise.all([heldPartitions(first), heldPartitions(second)]);
        if (a === null || b === null || a.length === 0 || b.length === 0) return undefined;
        const together = new Set([...a, ...b]);
        const exact = together.size === PARTITIONS.length && a.length + b.length === together.size;
        return exact ? { first: a, second: b, at: Date.now() } : undefined;
      },
    );
    const atSplit = await offsets();
    await budget.wait('2,000 more touchpoints acknowledged while split', 30_000, () =>
      openLoad.more(2000, 30_000),
    );
    await waitFor(
      `every partition applied past its offset at the split (projector-b holds [${split.second.join(', ')}])`,
      60_000,
      async () =>
        notAdvanced(PARTITIONS, atSplit, await offsets()).length === 0 ? true : undefined,
    );

    // Leave: the first takes every partition back.
    const atLeave = await offsets();
    // Probes that keep asking while it shuts down, as a load balancer's would: always one in
    // flight, so its HTTP server closes with keep-alive connections busy.
    const probes = [new ReadinessWatch(second, 0), new ReadinessWatch(second, 0)];
    const leftAt = Date.now();
    try {
      await budget.wait(`projector-b to exit after ${leave}`, EXIT_MS, () => second.stop(leave));
    } finally {
      await Promise.all(probes.map((probe) => probe.stop()));
    }
    const exitMs = Date.now() - leftAt;
    const heldAllAt = await waitFor(
      `the first projector to hold all ${PARTITIONS.length} partitions again`,
      HANDOVER_LIMIT_MS[leave] + 20_000,
      async () =>
        (await heldPartitions(first))?.length === PARTITIONS.length ? Date.now() : undefined,
    );
    const allApplyingAt = await waitFor(
      `every partition (projector-b's [${split.second.join(', ')}] too) applied past its offset at the leave`,
      60_000,
      async () =>
        notAdvanced(PARTITIONS, atLeave, await offsets()).length === 0 ? Date.now() : undefined,
    );
    const readyMs = await budget.wait(
      'every service ready and applying after the leave',
      60_000,
      () => watch.recovered(leftAt, 60_000),
    );
    const recoveryMs = Math.max(readyMs, allApplyingAt - leftAt);

    await budget.wait('1,000 more touchpoints acknowledged after the leave', 30_000, () =>
      openLoad.more(1000, 30_000),
    );
    await budget.wait('the load to stop and its batches in flight to be answered', 45_000, () =>
      openLoad.stop(30_000),
    );
    const share = budget.ms('the ledger check', 120_000);
    const verdict = await bounded(
      'the ledger check (everything acknowledged published and projected)',
      share,
      verifyLedger(running.db.pool, openLoad.ledger, {
        settleMs: Math.max(1000, Math.floor((share - 10_000) / 2)),
      }),
    );

    const handoverMs = heldAllAt - leftAt;
    reportFault(
      `second projector joins mid-load, leaves (${leave}), 1,000 tp/s`,
      openLoad.ledger,
      verdict,
      recoveryMs,
      [
        `split [${split.first.join(',')}]/[${split.second.join(',')}] ${split.at - second.startedAt} ms after the second's start`,
        `exited ${exitMs} ms after ${leave}`,
        `all partitions back on the first after ${handoverMs} ms`,
        `all applying after ${allApplyingAt - leftAt} ms`,
      ].join(', '),
    );
    if (leave === 'SIGTERM') {
      // Nest's shutdown hooks close the consumer (leaving the group), then re-raise SIGTERM.
      expect([0, 'SIGTERM']).toContain(second.exit?.code ?? second.exit?.signal);
    } else {
      expect(second.exit?.signal).toBe('SIGKILL');
    }
    expect(handoverMs).toBeLessThan(HANDOVER_LIMIT_MS[leave]);
    expect(running.pids()).toEqual(pidsBefore);
    for (const s of running.all()) expect(s.running).toBe(true);
    expect(failures(verdict)).toEqual({});
    expect(verdict).toMatchObject({ lost: 0, doubled: 0 });
    expect(openLoad.abandoned).toBe(0);
  }
});
