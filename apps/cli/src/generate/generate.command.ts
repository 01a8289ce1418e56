import type { Writable } from 'node:stream';
import type { Touchpoint } from '@cx/domain';
import { JourneyGenerator } from './journey-generator';
import { SeededRandom } from './seeded-random';

export interface GenerateCommandOptions {
  readonly customers: number;
  readonly touchpoints: number;
  readonly seed: number;
  /** Deliver in random order across customers, as a real feed of many systems would. */
  readonly shuffle: boolean;
  /** Share of lines sent a second time (0–1), as retries and redeliveries do. */
  readonly duplicates: number;
  readonly output: Writable;
}

/** `cx generate`: synthetic journeys as JSON lines, reproducible from the seed. */
export async function runGenerate(options: GenerateCommandOptions): Promise<number> {
  const generator = new JourneyGenerator(options);
  const random = new SeededRandom(options.seed ^ 0x5bd1e995);
  let lines: Touchpoint[] | null = options.shuffle || options.duplicates > 0 ? [] : null;
  let written = 0;
  let chunk = '';
  const emit = async (t: Touchpoint): Promise<void> => {
    chunk += JSON.stringify(t) + '\n';
    written += 1;
    if (chunk.length > 1 << 16) {
      await write(options.output, chunk);
      chunk = '';
    }
  };
  for (const t of generator.touchpoints()) {
    if (lines) {
      lines.push(t);
      if (random.chance(options.duplicates)) lines.push(t);
    } else {
      await emit(t);
    }
  }
  if (lines) {
    if (options.shuffle) random.shuffle(lines);
    for (const t of lines) await emit(t);
    lines = null;
  }
  if (chunk !== '') await write(options.output, chunk);
  return written;
}

function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const flushed = stream.write(text, (error) => (error ? reject(error) : undefined));
    if (flushed) resolve();
    else stream.once('drain', resolve);
  });
}
