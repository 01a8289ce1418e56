import { eventually } from '../support/eventually';
import { Budget, bounded, withOutput } from './support/bounded';
import type { RecoveryWatch } from './support/fault-harness';
import { FaultStack } from './support/fault-stack';
import { failures, reportFault, verifyLedger, type OpenLoad } from './support/ledger';
import { startSmallDiskBroker, type SmallDiskBroker } from './support/small-disk-broker';

jest.setTimeout(300_000);

const FAULT = 'Kafka log directory full (tmpfs), 1,000 tp/s';
/** Room for the run's own traffic (a few MB a minute): the filler is what fills it. */
const TMPFS_MB = 64;
/**
 * Above the shared broker's test slots (19092 + 10 per slot) and the 3-node cluster's 19292-19394,
 * below Linux's ephemeral ports, where the services' own ports come from.
 */
const PORT = 19492;
const CONTROLLER_PORT = 19493;
/** From filling the log directory to freeing it. */
const OUTAGE_MS = 10_000;
const TEST_BUDGET_MS = 240_000;
const OUTPUT_LINES = 60;
/** What Kafka logs when a write to its log directory fails for want of space. */
const DIR_FAILED = /No space left on device|Stopping serving logs in dir|have failed|offline/i;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string): void => {
  process.stderr.write(`[disk-full broker] ${line}\n`);
};

/**
 * The broker's log directory (a 64 MB tmpfs of its own) filled to the last byte under load, held
 * full for 10 s, then freed and the broker started again if it stopped. Ingestion acknowledges
 * after the Postgres commit, so a Kafka that cannot write only delays publication: everything
 * acknowledged is published and projected exactly once, and no service is restarted. Needs root
 * (to mount the tmpfs): without it the test fails, saying so.
 */
describe('the Kafka log directory full (tmpfs) under load (fault)', () => {
  let broker: SmallDiskBroker | undefined;
  let stack: FaultStack | undefined;
  let load: OpenLoad | undefined;
  let recovery: RecoveryWatch | undefined;

  beforeAll(async () => {
    broker = await startSmallDiskBroker({
      sizeMb: TMPFS_MB,
      port: PORT,
      controllerPort: CONTROLLER_PORT,
      log,
    });
    stack = await FaultStack.start({ kafkaBrokers: broker.brokers });
  });

  afterAll(async () => {
    await load?.stop(0);
    await recovery?.stop();
    await stack?.stop();
    // Also after a failure mid-outage: the broker killed, the tmpfs unmounted, the folder gone.
    await broker?.dispose();
  });

  it('acknowledges throughout and publishes and projects everything exactly once', async () => {
    if (broker === undefined || stack === undefined) throw new Error('the setup did not finish');
    const disk = broker;
    const running = stack;
    try {
      await fillAndFree(disk, running);
    } catch (error) {
      throw withOutput(
        error,
        [
          `--- Kafka server.log (last ${OUTPUT_LINES} lines) ---`,
          disk.logTail(OUTPUT_LINES),
          `--- services' output (last ${OUTPUT_LINES} lines each) ---`,
          running.output(OUTPUT_LINES),
        ].join('\n'),
      );
    }
  });

  async function fillAndFree(disk: SmallDiskBroker, running: FaultStack): Promise<void> {
    const budget = new Budget(TEST_BUDGET_MS);
    const pidsBefore = running.pids();
    const openLoad = running.load();
    load = openLoad;
    const watch = running.recoveryWatch();
    recovery = watch;
    await budget.wait('2,000 touchpoints acknowledged before the disk fills', 30_000, () =>
      openLoad.more(2000, 30_000),
    );

    const mark = disk.logSize();
    const ackedAtFill = openLoad.ledger.acknowledged.size;
    const filledAt = Date.now();
    const fillerBytes = disk.disk.fill();
    log(`log directory filled: ${(fillerBytes / 1024 / 1024).toFixed(1)} MB of filler`);
    // Kafka either halts (its only log directory failed) or says the directory is offline.
    const failedAt = await budget.wait(
      'the broker to stop or report its log directory failed once the disk is full',
      30_000,
      () =>
        eventually(
          'the broker to fail',
          () => {
            const failed = !disk.running() || DIR_FAILED.test(disk.logSince(mark));
            return Promise.resolve(failed ? Date.now() : undefined);
          },
          31_000,
          100,
        ),
    );
    await sleep(Math.max(0, filledAt + OUTAGE_MS - Date.now()));
    const halted = !disk.running();
    const said = disk
      .logSince(mark)
      .split('\n')
      .filter((line) => DIR_FAILED.test(line));
    const offline = said.some((line) => line.includes('Stopping serving logs in dir'));
    log(`broker ${halted ? 'halted' : 'still runs'}; it said:\n${said.slice(0, 6).join('\n')}`);
    const ackedDuringOutage = openLoad.ledger.acknowledged.size - ackedAtFill;
    disk.disk.free();
    const freedAt = Date.now();
    // Halted or not, Kafka only takes a failed log directory back at a start.
    await budget.wait('the broker to start again on the freed log directory', 150_000, () =>
      disk.restart(),
    );
    const backAt = Date.now();
    log(`broker back ${backAt - freedAt} ms after the space was freed`);

    const recoveryMs = await budget.wait('every service ready and applying again', 120_000, () =>
      watch.recovered(backAt, 120_000),
    );
    await budget.wait('1,000 more touchpoints acknowledged after the recovery', 30_000, () =>
      openLoad.more(1000, 30_000),
    );
    const loadEndAt = Date.now();
    await budget.wait('the load to stop and its batches in flight to be answered', 45_000, () =>
      openLoad.stop(30_000),
    );
    const stallMs = watch.longestStallMs(filledAt, loadEndAt);
    const share = budget.ms('the ledger check', 120_000);
    const verdict = await bounded(
      'the ledger check (everything acknowledged published and projected)',
      share,
      verifyLedger(running.db.pool, openLoad.ledger, {
        settleMs: Math.max(1000, Math.floor((share - 10_000) / 2)),
      }),
    );

    reportFault(
      FAULT,
      openLoad.ledger,
      verdict,
      recoveryMs,
      [
        `${(fillerBytes / 1024 / 1024).toFixed(0)} MB filler`,
        `Kafka failed the log dir ${failedAt - filledAt} ms after (${offline ? 'offline' : 'not reported offline'}, ${halted ? 'broker halted' : 'broker still running'})`,
        `full ${((freedAt - filledAt) / 1000).toFixed(1)} s`,
        `${ackedDuringOutage} acknowledged meanwhile`,
        `broker ${halted ? 'started again' : 'restarted'}, up ${backAt - freedAt} ms after the space was freed`,
        `projector stood still at most ${(stallMs / 1000).toFixed(1)} s`,
      ].join(', '),
    );
    expect(offline || halted).toBe(true);
    // Appends only need Postgres: the outage delays publication, it does not stop acknowledging.
    expect(ackedDuringOutage).toBeGreaterThan(0);
    expect(running.pids()).toEqual(pidsBefore);
    for (const s of running.all()) expect(s.running).toBe(true);
    expect(failures(verdict)).toEqual({});
    expect(verdict).toMatchObject({ lost: 0, doubled: 0 });
    expect(openLoad.abandoned).toBe(0);
  }
});
