import { randomBytes } from 'node:crypto';
import { journeys } from '../projector/support/journeys';
import { restartPostgres } from '../support/stack';
import { until } from '../support/eventually';
import type { ScratchDatabase } from '../support/scratch-database';
import {
  appliedCount,
  PostgresWatch,
  ReadinessWatch,
  RecoveryWatch,
  ServiceProcess,
  Trickle,
  startIngestionAndProjector,
  type IngestionAndProjector,
} from './support/fault-harness';
import { failures, reportFault, verifyLedger } from './support/ledger';

jest.setTimeout(480_000);

/** How soon after Postgres answers again each service must be ready again. */
const RECOVERY_BUDGET_MS = 5000;

/**
 * The machine's Postgres restarted (every connection cut) under a steady trickle of batches, with
 * ingestion and the projector running as deployed (dist/): both stay up, requests meeting the
 * outage answer a retryable 503, readiness follows Postgres down and back without a restart, and
 * every acknowledged touchpoint is stored once and projected.
 */
describe('a Postgres restart under load (e2e)', () => {
  const RUN = randomBytes(4).toString('hex');
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

  it('keeps both services up, answers 503 with Retry-After, is ready again within 5 s, loses nothing', async () => {
    const trickle = new Trickle(ingestion.url);
    const watches = [new ReadinessWatch(ingestion), new ReadinessWatch(projector)] as const;
    const recovery = new RecoveryWatch(() => [ingestion, projector], db.pool);
    let postgres: PostgresWatch | null = null;
    try {
      await trickle.more(20);
      // A backlog, so that the projector is in the middle of its batches when Postgres goes.
      const backlogTouchpoints = journeys(`b${RUN}`, 600, 6000, 3);
      const backlog = backlogTouchpoints.map((t) => t.touchpointId);
      await trickle.ledger.send(ingestion.url, backlogTouchpoints, 1000);
      // Its projector starts on a fresh database and first applies everything earlier suites of
      // the run left on the shared topic (over 100,000 touchpoints in the fault suite), so
      // reaching this backlog takes a while there; the outage must still meet it mid-way.
      await until(
        'the projector to be applying the backlog',
        async () => (await appliedCount(db.pool, backlog)) > 0,
        240_000,
        10,
      );
      const backlogLeft = backlog.length - (await appliedCount(db.pool, backlog));
      postgres = new PostgresWatch(db.url);
      const restartStarted = Date.now();
      await restartPostgres();
      const watch = postgres;
      await until('Postgres to answer again', () => watch.upAt !== null, 60_000, 20);
      const downAt = postgres.downAt ?? restartStarted;
      const upAt = postgres.upAt ?? Date.now();

      // Readiness: not ready during the outage, ready again soon after, same processes.
      const recovered = await Promise.all(
        watches.map(async (w) => {
          await until('readiness back to 200', () => w.backToReady(restartStarted) !== null);
          return w.backToReady(restartStarted);
        }),
      );
      const recoveryMs = await recovery.recovered(upAt);
      // Ingestion takes batches again without a restart.
      await trickle.more(20);
      await trickle.stop();

      const [ingestionBack, projectorBack] = recovered;
      const unavailable = trickle.unavailable();
      const lines = [
        `Postgres did not answer for ${upAt - downAt} ms (restart took ${upAt - restartStarted} ms)`,
        `ingestion ready again ${(ingestionBack?.readyAt ?? NaN) - upAt} ms after Postgres answered (not ready from ${(ingestionBack?.notReadyAt ?? NaN) - restartStarted} ms into the restart)`,
        `projector ready again ${(projectorBack?.readyAt ?? NaN) - upAt} ms after Postgres answered (not ready from ${(projectorBack?.notReadyAt ?? NaN) - restartStarted} ms into the restart)`,
        `the projector had ${backlogLeft} of ${backlog.length} backlog touchpoints left to apply when the restart began${/Postgres unreachable/.test(projector.output()) ? ' and waited for Postgres in the middle of a batch' : ''}`,
        `${unavailable.length} requests answered 503 (Retry-After ${[...new Set(unavailable.map((a) => a.retryAfter))].join(', ')}), ${trickle.failures().length} failed otherwise, ${trickle.acknowledged.length} touchpoints acknowledged`,
      ];
      console.log(`Postgres restart under load\n  ${lines.join('\n  ')}`);

      expect(ingestion.running).toBe(true);
      expect(projector.running).toBe(true);
      expect(trickle.failures()).toEqual([]);
      expect(unavailable.length).toBeGreaterThan(0);
      for (const answer of unavailable) {
        expect(answer.retryAfter).toMatch(/^[1-9]\d*$/);
        expect(JSON.parse(answer.error ?? '{}')).toMatchObject({ error: 'store_unavailable' });
      }
      for (const back of recovered) {
        expect(back).not.toBeNull();
        expect((back?.readyAt ?? Infinity) - upAt).toBeLessThanOrEqual(RECOVERY_BUDGET_MS);
      }

      // Every acknowledged touchpoint stored once, published and projected exactly.
      const verdict = await verifyLedger(db.pool, trickle.ledger);
      reportFault('Postgres restart (pg_ctlcluster restart)', trickle.ledger, verdict, recoveryMs);
      expect(failures(verdict)).toEqual({});
      expect(verdict).toMatchObject({ lost: 0, doubled: 0 });
      expect(verdict.acknowledged).toBe(trickle.acknowledged.length + backlog.length);
      for (const service of [ingestion, projector]) {
        expect(service.output()).not.toContain("Unhandled 'error' event");
      }
    } finally {
      await trickle.stop();
      for (const w of watches) await w.stop();
      await recovery.stop();
      await postgres?.stop();
    }
  });
});
