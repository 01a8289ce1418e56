import { eventually, until } from '../support/eventually';
import { startKafka, stopKafka } from '../support/stack';
import type { ScratchDatabase } from '../support/scratch-database';
import {
  ReadinessWatch,
  RecoveryWatch,
  ServiceProcess,
  startIngestionAndProjector,
  Trickle,
  type IngestionAndProjector,
} from './support/fault-harness';
import { failures, reportFault, verifyLedger } from './support/ledger';

jest.setTimeout(300_000);

/** How soon after the broker answers again each service must be ready again. */
const RECOVERY_BUDGET_MS = 30_000;

interface ProjectorReadiness {
  checks?: { consumer?: { joined: boolean } };
}

/**
 * The broker killed (SIGKILL) under a steady trickle of batches, long enough for the projector's
 * consumer to crash, then started again: ingestion keeps storing (the relay catches up later),
 * both services stay up, the crashed consumer is restarted rather than left dead, and every
 * acknowledged touchpoint is projected.
 */
describe('a Kafka outage under load (e2e)', () => {
  let db: ScratchDatabase;
  let ingestion: ServiceProcess;
  let projector: ServiceProcess;
  let stack: IngestionAndProjector | undefined;

  beforeAll(async () => {
    stack = await startIngestionAndProjector();
    ({ db, ingestion, projector } = stack);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('keeps storing, restarts the crashed consumer, and projects everything once Kafka is back', async () => {
    const trickle = new Trickle(ingestion.url);
    const watches = [new ReadinessWatch(ingestion), new ReadinessWatch(projector)] as const;
    const recovery = new RecoveryWatch(() => [ingestion, projector], db.pool);
    let brokerDown = false;
    try {
      await trickle.more(10);
      const stoppedAt = Date.now();
      await stopKafka({ hard: true });
      brokerDown = true;
      // Long enough for kafkajs to give up on its retries and crash the consumer.
      await eventually(
        'the projector to report its consumer out of the group',
        async () => {
          const body = (await projector.readiness())?.body as ProjectorReadiness | undefined;
          return body?.checks?.consumer?.joined === false ? true : undefined;
        },
        120_000,
        200,
      );
      // Appends do not need Kafka.
      await trickle.more(10);
      await startKafka();
      brokerDown = false;
      const upAt = Date.now();

      const recovered = await Promise.all(
        watches.map(async (w) => {
          await until('readiness back to 200', () => w.backToReady(stoppedAt) !== null, 120_000);
          return w.backToReady(stoppedAt);
        }),
      );
      const recoveryMs = await recovery.recovered(upAt);
      await trickle.more(10);
      await trickle.stop();
      const [ingestionBack, projectorBack] = recovered;
      console.log(
        [
          'Kafka outage under load',
          `  broker down for ${upAt - stoppedAt} ms`,
          `  ingestion ready again ${(ingestionBack?.readyAt ?? NaN) - upAt} ms after the broker answered`,
          `  projector ready again ${(projectorBack?.readyAt ?? NaN) - upAt} ms after the broker answered`,
          `  ${trickle.acknowledged.length} touchpoints acknowledged, ${trickle.refusals.length} requests refused`,
        ].join('\n'),
      );

      expect(ingestion.running).toBe(true);
      expect(projector.running).toBe(true);
      expect(trickle.refusals).toEqual([]);
      expect(projector.output()).toMatch(/consumer crashed: .*; restarting it in \d+ ms/);
      for (const back of recovered) {
        expect(back).not.toBeNull();
        expect((back?.readyAt ?? Infinity) - upAt).toBeLessThanOrEqual(RECOVERY_BUDGET_MS);
      }
      const verdict = await verifyLedger(db.pool, trickle.ledger);
      reportFault('Kafka broker killed (SIGKILL) and started', trickle.ledger, verdict, recoveryMs);
      expect(failures(verdict)).toEqual({});
      expect(verdict).toMatchObject({ lost: 0, doubled: 0 });
    } finally {
      await trickle.stop();
      for (const w of watches) await w.stop();
      await recovery.stop();
      // Never leave the broker down for the suites that follow.
      if (brokerDown) await startKafka();
    }
  });
});
