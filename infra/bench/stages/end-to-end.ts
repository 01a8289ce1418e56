import { touchpoints } from '../data';
import { expectStatus, HttpClient } from '../http-client';
import { CpuMeter } from '../processes';
import { fmt, type StageRow } from '../report';
import type { Stack } from '../stack';
import { sleep, until } from '../stats';
import { n, type LiveServices, type StageContext } from './common';

const TARGET = 25_000;

interface Sample {
  readonly t: number;
  readonly accepted: number;
  readonly applied: number;
  readonly profileWrites: number;
}

async function sample(stack: Stack, t: number, accepted: number): Promise<Sample> {
  const { rows } = await stack.pool.query<{ applied: number; writes: string | null }>(
    `SELECT (SELECT count(*)::int FROM projection_touchpoints) AS applied,
            (SELECT n_tup_ins + n_tup_upd FROM pg_stat_user_tables
              WHERE relname = 'customer_profiles') AS writes`,
  );
  return {
    t,
    accepted,
    applied: rows[0]?.applied ?? 0,
    profileWrites: Number(rows[0]?.writes ?? 0),
  };
}

/**
 * 6. Ingestion and projector running; batches of 1,000 posted for S seconds, 4 in flight. Reports
 * accepted/s, applied/s (the projector's ledger), profile writes/s (Postgres' row counters), and
 * whether the projector's lag (accepted − applied) stayed flat: it grows by less than 10 % of
 * what was accepted over the second half of the window.
 */
export async function endToEndStage(ctx: StageContext, live: LiveServices): Promise<StageRow[]> {
  const { stack, settings, log } = ctx;
  const { seconds, batchSize, inFlight, customers } = settings.endToEnd;
  const client = new HttpClient(live.ingestion.url, inFlight, live.ingestion.key);
  try {
    log(`end to end: batches of ${n(batchSize)} for ${seconds} s, ${inFlight} in flight`);
    let accepted = 0;
    let sent = 0;
    const samples: Sample[] = [];
    const started = performance.now();
    const meter = new CpuMeter(stack.cpuSources());
    const deadline = started + seconds * 1000;
    const sampler = (async (): Promise<void> => {
      while (performance.now() < deadline) {
        samples.push(await sample(stack, (performance.now() - started) / 1000, accepted));
        await sleep(1000);
      }
    })();
    const worker = async (): Promise<void> => {
      while (performance.now() < deadline) {
        const from = sent;
        sent += batchSize;
        const body = JSON.stringify({ touchpoints: touchpoints('e', from, batchSize, customers) });
        const answer = expectStatus(
          await client.post('/v1/touchpoints/batch', body),
          202,
          'ingestion',
        );
        accepted += (JSON.parse(answer.body) as { summary: { accepted: number } }).summary.accepted;
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    await sampler;
    const end = await sample(stack, (performance.now() - started) / 1000, accepted);
    const cpu = meter.stop();
    samples.push(end);
    const drainStarted = performance.now();
    await until(
      'the projector to catch up',
      async () => (await sample(stack, 0, 0)).applied >= accepted,
      300_000,
      200,
    );
    const drain = (performance.now() - drainStarted) / 1000;

    const window = end.t;
    const acceptedRate = end.accepted / window;
    const appliedRate = end.applied / window;
    const writesRate = (end.profileWrites - (samples[0]?.profileWrites ?? 0)) / window;
    const mid = samples[Math.floor(samples.length / 2)] ?? end;
    const lag = (s: Sample): number => s.accepted - s.applied;
    const growth = lag(end) - lag(mid);
    const flat = growth < 0.1 * (end.accepted - mid.accepted);
    const sustained = Math.min(acceptedRate, appliedRate);
    return [
      {
        stage: '6. end to end, sustained',
        settings: `${seconds} s, batches of ${n(batchSize)}, ${inFlight} in flight, ${n(customers)} customers`,
        product:
          `accepted ${fmt(acceptedRate)}/s · applied ${fmt(appliedRate)}/s · profile writes ` +
          `${fmt(writesRate)}/s · lag ${flat ? 'flat' : 'growing'} (${fmt(lag(mid))} → ` +
          `${fmt(lag(end))}, drained in ${fmt(drain, 1)} s)`,
        reference: '—',
        ratio: null,
        target: `≥ ${n(TARGET)} touchpoints/s (accepted and applied)`,
        met: sustained >= TARGET,
        cpu: { product: cpu, reference: null },
        data: { acceptedRate, appliedRate, writesRate, flat, drainSeconds: drain, samples },
      },
    ];
  } finally {
    client.close();
  }
}
