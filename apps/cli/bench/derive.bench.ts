/**
 * `npm run bench:derive`: `cx derive` over 1,000,000 touchpoints of 100,000 customers (shuffled),
 * against a reference run over the same file that only reads and parses each line as JSON, the
 * floor any implementation pays. Each run is its own child process so that its peak memory is its
 * own. Targets: derive within 60 s and 2 GiB, and within REFERENCE_RATIO_LIMIT × the reference.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { DEFAULT_JOURNEY_DEFINITION } from '@cx/domain';
import { runDerive } from '../src/derive/derive.command';
import { runGenerate } from '../src/generate/generate.command';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const TOUCHPOINTS = Number(process.env.BENCH_TOUCHPOINTS ?? 1_000_000);
const TIME_LIMIT_S = 60;
const MEMORY_LIMIT_MB = 2048;
// Measured 17.7 on an idle 2-core machine (validation is half of it): the guard catches a
// quadratic regression, not noise.
const REFERENCE_RATIO_LIMIT = 25;

interface RunFigures {
  readonly seconds: number;
  readonly maxRssMb: number;
  readonly lines: number;
}

const discard = new Writable({ write: (_chunk, _encoding, done) => done() });

async function referenceRun(file: string): Promise<number> {
  let lines = 0;
  for await (const text of createInterface({
    input: createReadStream(file),
    crlfDelay: Infinity,
  })) {
    if (JSON.parse(text) !== null) lines += 1;
  }
  return lines;
}

async function deriveRun(file: string): Promise<number> {
  const summary = await runDerive({
    input: createReadStream(file),
    output: discard,
    errors: process.stderr,
    definition: DEFAULT_JOURNEY_DEFINITION,
    withHistory: false,
    now: new Date(),
  });
  if (summary.invalid > 0) throw new Error(`${summary.invalid} generated lines were invalid`);
  return summary.lines;
}

async function child(mode: string, file: string): Promise<void> {
  const started = process.hrtime.bigint();
  const lines = mode === 'reference' ? await referenceRun(file) : await deriveRun(file);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const figures: RunFigures = { seconds, maxRssMb: process.resourceUsage().maxRSS / 1024, lines };
  process.stdout.write(JSON.stringify(figures) + '\n');
}

function measure(mode: string, file: string): RunFigures {
  const result = spawnSync(process.execPath, [__filename, '--child', mode, file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (result.status !== 0)
    throw new Error(`${mode} run failed with status ${String(result.status)}`);
  return JSON.parse(result.stdout.trim()) as RunFigures;
}

async function ensureInput(): Promise<string> {
  const dir = resolve(__dirname, '../../../../.cache/bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `touchpoints-${CUSTOMERS}-${TOUCHPOINTS}.jsonl`);
  if (!existsSync(file)) {
    const partial = `${file}.partial`;
    const output = createWriteStream(partial);
    await runGenerate({
      customers: CUSTOMERS,
      touchpoints: TOUCHPOINTS,
      seed: 42,
      shuffle: true,
      duplicates: 0,
      output,
    });
    await new Promise<void>((done) => output.end(done));
    renameSync(partial, file);
  }
  return file;
}

async function main(): Promise<void> {
  const [flag, mode, file] = process.argv.slice(2);
  if (flag === '--child' && mode !== undefined && file !== undefined) return child(mode, file);
  const input = await ensureInput();
  const reference = measure('reference', input);
  const derive = measure('derive', input);
  const ratio = derive.seconds / reference.seconds;
  console.log(`input: ${TOUCHPOINTS} touchpoints of ${CUSTOMERS} customers, shuffled`);
  console.log(
    `reference (read + JSON.parse): ${reference.seconds.toFixed(2)} s, peak RSS ${reference.maxRssMb.toFixed(0)} MB`,
  );
  console.log(
    `cx derive:                     ${derive.seconds.toFixed(2)} s, peak RSS ${derive.maxRssMb.toFixed(0)} MB`,
  );
  console.log(`ratio derive / reference: ${ratio.toFixed(2)} (limit ${REFERENCE_RATIO_LIMIT})`);
  console.log(`throughput: ${Math.round(derive.lines / derive.seconds)} touchpoints/s`);
  const failures = [
    derive.seconds > TIME_LIMIT_S
      ? `took ${derive.seconds.toFixed(1)} s > ${TIME_LIMIT_S} s`
      : null,
    derive.maxRssMb > MEMORY_LIMIT_MB
      ? `peak RSS ${derive.maxRssMb.toFixed(0)} MB > ${MEMORY_LIMIT_MB} MB`
      : null,
    ratio > REFERENCE_RATIO_LIMIT ? `ratio ${ratio.toFixed(2)} > ${REFERENCE_RATIO_LIMIT}` : null,
  ].filter((f): f is string => f !== null);
  if (failures.length > 0) {
    console.log(`bench:derive FAILED: ${failures.join('; ')}`);
    process.exitCode = 1;
  } else {
    console.log('bench:derive passed');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
