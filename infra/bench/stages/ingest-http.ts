import { chunks, touchpoints } from '../data';
import { expectStatus, HttpClient } from '../http-client';
import { builtFile, startChild, startService, type ChildService } from '../processes';
import type { StageRow } from '../report';
import type { Stack } from '../stack';
import { closedLoop, interleave } from '../stats';
import { measure, n, rateRow, type Measurement, type StageContext } from './common';

/** Posts every body with `inFlight` requests at a time; the rate is in touchpoints. */
function post(
  stack: Stack,
  service: ChildService,
  path: string,
  bodies: readonly string[],
  perBody: number,
  inFlight: number,
): Promise<Measurement> {
  const client = new HttpClient(service.url, inFlight, service.key);
  return measure(stack, async () => {
    await closedLoop(bodies.length, inFlight, async (i) => {
      expectStatus(await client.post(path, bodies[i] ?? ''), 202, `${service.name} ${path}`);
    });
    return bodies.length * perBody;
  }).finally(() => client.close());
}

/**
 * 1. HTTP intake through the built ingestion service (stores, and its relay publishes), 1,000
 * touchpoints per request with 4 in flight and one per request with 16 in flight, against a bare
 * `node:http` server doing the same JSON.parse and validation with the contracts' parsers and
 * answering 202 without storing. Both get the same request bodies.
 */
export async function ingestHttpStage(ctx: StageContext): Promise<StageRow[]> {
  const { stack, settings, log } = ctx;
  const s = settings.ingest;
  await stack.resetDatabase();
  const [ingestion, raw] = await Promise.all([
    startService('ingestion', stack.serviceEnv),
    startChild('raw-http', builtFile('infra', 'bench', 'raw-ingest-server.js'), {}),
  ]);
  try {
    const batchTotal = s.batchRequests * s.batchSize;
    log(
      `ingest: ${n(s.batchRequests)} × ${n(s.batchSize)} touchpoints, then ${n(s.singleRequests)} single`,
    );
    const batchBodies = (rep: number): string[] =>
      chunks(touchpoints(`h${rep}`, 0, batchTotal, batchTotal / 10), s.batchSize).map((list) =>
        JSON.stringify({ touchpoints: list }),
      );
    const singleBodies = (rep: number): string[] =>
      touchpoints(`s${rep}`, 0, s.singleRequests, s.singleRequests / 10).map((tp) =>
        JSON.stringify(tp),
      );

    const batchPath = '/v1/touchpoints/batch';
    const batches = await interleave(settings.reps, {
      product: (rep) =>
        post(stack, ingestion, batchPath, batchBodies(rep), s.batchSize, s.batchInFlight),
      reference: (rep) =>
        post(stack, raw, batchPath, batchBodies(rep), s.batchSize, s.batchInFlight),
    });
    const singles = await interleave(settings.reps, {
      product: (rep) =>
        post(stack, ingestion, '/v1/touchpoints', singleBodies(rep), 1, s.singleInFlight),
      reference: (rep) =>
        post(stack, raw, '/v1/touchpoints', singleBodies(rep), 1, s.singleInFlight),
    });
    const common = {
      unit: 'touchpoints/s',
      referenceLabel: 'bare node:http + parse, no storage',
      target: 'report only (the stored path is 2.; end to end is 6.)',
    };
    return [
      rateRow({
        ...common,
        stage: '1. HTTP ingest, 1,000 per request',
        settings: `${n(s.batchRequests)} requests, ${s.batchInFlight} in flight, ${settings.reps} reps`,
        product: batches.product,
        reference: batches.reference,
      }),
      rateRow({
        ...common,
        stage: '1. HTTP ingest, 1 per request',
        settings: `${n(s.singleRequests)} requests, ${s.singleInFlight} in flight, ${settings.reps} reps`,
        product: singles.product,
        reference: singles.reference,
      }),
    ];
  } finally {
    await Promise.all([ingestion.stop(), raw.stop()]);
  }
}
