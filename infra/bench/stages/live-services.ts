import { startService } from '../processes';
import type { StageRow } from '../report';
import type { Stack } from '../stack';
import { failedRow, type LiveServices, type StageContext } from './common';
import { endToEndStage } from './end-to-end';
import { freshnessStage } from './freshness';

async function startLiveServices(stack: Stack): Promise<LiveServices> {
  await stack.resetDatabase();
  await stack.resetTouchpointTopic();
  const [ingestion, projector, query] = await Promise.all([
    startService('ingestion', stack.serviceEnv),
    startService('projector', {
      ...stack.serviceEnv,
      PROJECTOR_GROUP: `bench-live-${process.pid}`,
    }),
    startService('query', stack.serviceEnv),
  ]);
  return { ingestion, projector, query };
}

/**
 * 6. and 7. share one set of running services (booting three services twice would cost the
 * quick run a good part of its budget): end to end first, then freshness once the projector
 * has caught up.
 */
export async function liveStages(ctx: StageContext): Promise<StageRow[]> {
  const live = await startLiveServices(ctx.stack);
  const rows: StageRow[] = [];
  try {
    for (const [name, stage] of [
      ['6. end to end', endToEndStage],
      ['7. freshness', freshnessStage],
    ] as const) {
      try {
        rows.push(...(await stage(ctx, live)));
      } catch (error) {
        ctx.log(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
        rows.push(failedRow(name, error));
      }
    }
  } finally {
    await Promise.all([live.ingestion.stop(), live.projector.stop(), live.query.stop()]);
  }
  return rows;
}
