import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { to as copyTo } from 'pg-copy-streams';
import { seedEvents } from '../data';
import { builtFile, runNode } from '../processes';
import { fmt, type StageRow } from '../report';
import type { Stack } from '../stack';
import { interleave } from '../stats';
import { measure, n, rateRow, type Measurement, type StageContext } from './common';

const TARGET_EVENTS = 1_000_000;

/** `cx projections rebuild` as a user runs it; the rate is over the rebuild's own timing. */
async function productRebuild(stack: Stack): Promise<Measurement> {
  let cliCores = 0;
  const measured = await measure(stack, async () => {
    const started = performance.now();
    const run = await runNode(
      builtFile('apps', 'cli', 'src', 'main.js'),
      ['projections', 'rebuild'],
      {
        DATABASE_URL: stack.databaseUrl,
      },
    );
    cliCores = run.cpuSeconds / ((performance.now() - started) / 1000);
    const result = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as {
      events?: number;
      seconds?: number;
    };
    if (!result.events || !result.seconds) throw new Error(`unexpected output: ${run.stdout}`);
    return { units: result.events, seconds: result.seconds };
  });
  return { ...measured, cpu: { ...measured.cpu, cli: cliCores } };
}

/** The fastest way to read the events out: COPY TO STDOUT, streamed and thrown away. */
async function referenceRead(stack: Stack, events: number): Promise<Measurement> {
  return measure(stack, async () => {
    const client = await stack.pool.connect();
    try {
      const source = client.query(
        copyTo(
          `COPY (SELECT touchpoint_id, customer_id, position, payload FROM touchpoint_events
                  ORDER BY position) TO STDOUT`,
        ),
      );
      const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
      await pipeline(source, discard);
    } finally {
      client.release();
    }
    return events;
  });
}

/**
 * 5. N events in the store and in the projector's ledger (the rebuild takes what the live
 * projector applied); `cx projections rebuild` recomputes every read model from them, against
 * `COPY (SELECT … FROM touchpoint_events) TO STDOUT` streamed and discarded. Leaves the rebuilt
 * read models in place for the profile reads.
 */
export async function rebuildStage(ctx: StageContext): Promise<StageRow[]> {
  const { stack, settings, log } = ctx;
  const { events, customers, reps } = settings.rebuild;
  await stack.resetDatabase();
  const seeding = performance.now();
  await seedEvents(stack.pool, 'b', events, customers, { ledger: true });
  log(
    `rebuild: seeded ${n(events)} events of ${n(customers)} customers in ` +
      `${fmt((performance.now() - seeding) / 1000, 1)} s`,
  );
  const runs = await interleave(reps, {
    product: () => productRebuild(stack),
    reference: () => referenceRead(stack, events),
  });
  const row = rateRow({
    stage: '5. rebuild read models',
    settings: `${n(events)} events, ${n(customers)} customers, ${reps} rep(s)`,
    unit: 'events/s',
    product: runs.product,
    reference: runs.reference,
    referenceLabel: 'COPY TO STDOUT, discarded',
    target: `≥ 100,000 events/s at ${n(TARGET_EVENTS)} events`,
  });
  const rate = row.data.productMedian as number;
  return [{ ...row, met: events >= TARGET_EVENTS ? rate >= 100_000 : null }];
}
