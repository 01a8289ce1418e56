/**
 * Load script: posts N batches of 1,000 touchpoints to a running ingestion service and reports
 * events/s accepted (HTTP 202) and events/s published (the outbox relay's checkpoint, read from
 * /health/ready, catching up with the last accepted position).
 *
 *   npm run build && node dist/apps/ingestion/bench/ingest-throughput.js [url] [batches] [concurrency]
 *
 * Defaults: http://127.0.0.1:3000, 20 batches, 4 requests in flight.
 */
import { randomUUID } from 'node:crypto';

interface BatchAnswer {
  results: { status: string; position: number | null }[];
}

interface Readiness {
  relay: { lastPublishedPosition: number } | null;
}

const CHANNELS = ['chat', 'web', 'email', 'contact_center', 'sales', 'support'];
const INTERACTIONS = ['inquiry', 'evaluation', 'purchase', 'survey_response', 'feedback'];

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function batch(run: string, b: number): { touchpoints: Record<string, unknown>[] } {
  const base = Date.parse('2025-01-01T00:00:00Z');
  return {
    touchpoints: Array.from({ length: 1000 }, (_, i) => {
      const n = b * 1000 + i;
      const interaction = INTERACTIONS[n % INTERACTIONS.length] ?? 'inquiry';
      return {
        touchpointId: `${run}-${n}`,
        customerId: `${run}-c${n % 5000}`,
        occurredAt: new Date(base + n * 1000).toISOString(),
        channel: CHANNELS[n % CHANNELS.length],
        interaction,
        ...(interaction === 'survey_response'
          ? { survey: { nps: n % 11, csat: 1 + (n % 5) } }
          : {}),
        ...(interaction === 'feedback' ? { sentiment: ((n % 21) - 10) / 10 } : {}),
        ...(interaction === 'purchase'
          ? { value: { amount: 10 + (n % 90), currency: 'EUR' } }
          : {}),
        // One in ten carries personal data, which the store seals per customer.
        ...(n % 10 === 0
          ? { text: 'thanks for the quick answer', attributes: { agent: `a-${n % 7}` } }
          : {}),
      };
    }),
  };
}

async function readPublished(url: string): Promise<number> {
  const res = await fetch(`${url}/health/ready`);
  const body = (await res.json()) as Readiness;
  return body.relay?.lastPublishedPosition ?? 0;
}

async function main(): Promise<void> {
  const [url = 'http://127.0.0.1:3000', batchesArg = '20', concurrencyArg = '4'] =
    process.argv.slice(2);
  const batches = Number(batchesArg);
  const concurrency = Number(concurrencyArg);
  const run = `bench-${randomUUID().slice(0, 8)}`;
  const bodies = Array.from({ length: batches }, (_, b) => JSON.stringify(batch(run, b)));

  let next = 0;
  let accepted = 0;
  let maxPosition = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const res = await fetch(`${url}/v1/touchpoints/batch`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          // The running service's key (`npm start` prints one), with touchpoints:write.
          ...(process.env.CX_KEY ? { authorization: `Bearer ${process.env.CX_KEY}` } : {}),
        },
        body,
      });
      if (res.status !== 202) throw new Error(`batch refused: ${res.status} ${await res.text()}`);
      const answer = (await res.json()) as BatchAnswer;
      for (const r of answer.results) {
        if (r.status === 'accepted') accepted += 1;
        if (r.position !== null && r.position > maxPosition) maxPosition = r.position;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  const acceptedSeconds = (performance.now() - started) / 1000;

  while ((await readPublished(url)) < maxPosition) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const publishedSeconds = (performance.now() - started) / 1000;

  out(`run ${run}: ${batches} batches of 1,000, ${concurrency} in flight`);
  out(
    `accepted:  ${accepted} events in ${acceptedSeconds.toFixed(2)} s = ${Math.round(accepted / acceptedSeconds)} events/s`,
  );
  out(
    `published: all by ${publishedSeconds.toFixed(2)} s = ${Math.round(accepted / publishedSeconds)} events/s end to end`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
