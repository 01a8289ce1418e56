import { CpuMeter, meanCores, type ChildService, type CpuCores } from '../processes';
import { fmt, type StageRow } from '../report';
import type { Settings } from '../settings';
import type { Stack } from '../stack';
import { median } from '../stats';

export interface StageContext {
  readonly stack: Stack;
  readonly settings: Settings;
  readonly log: (line: string) => void;
}

/** Ingestion, projector and query running together (stages 6 and 7). */
export interface LiveServices {
  readonly ingestion: ChildService;
  readonly projector: ChildService;
  readonly query: ChildService;
}

/** One timed run: how much work was done per second, and who burned the CPU meanwhile. */
export interface Measurement {
  readonly rate: number;
  readonly seconds: number;
  readonly cpu: CpuCores;
}

/** What a timed piece of work did; `seconds` when it timed itself more precisely. */
export type Work = number | { readonly units: number; readonly seconds: number };

/**
 * Times `work`, which resolves to the number of units it did (touchpoints, events, requests),
 * and reads the CPU of every component over the same window.
 */
export async function measure(stack: Stack, work: () => Promise<Work>): Promise<Measurement> {
  const meter = new CpuMeter(stack.cpuSources());
  const started = performance.now();
  const done = await work();
  const wall = (performance.now() - started) / 1000;
  const cpu = meter.stop();
  if (typeof done === 'number') return { rate: done / wall, seconds: wall, cpu };
  return { rate: done.units / done.seconds, seconds: done.seconds, cpu };
}

export interface RateRowInput {
  readonly stage: string;
  readonly settings: string;
  readonly unit: string;
  readonly product: readonly Measurement[];
  readonly reference: readonly Measurement[] | null;
  readonly referenceLabel: string;
  readonly target: string;
  /** The ratio the target asks for, if the target is a ratio. */
  readonly minRatio?: number;
  readonly extra?: Record<string, unknown>;
}

/** A table row for a product rate beside its reference rate (medians of the repetitions). */
export function rateRow(input: RateRowInput): StageRow {
  const product = median(input.product.map((m) => m.rate));
  const reference = input.reference === null ? null : median(input.reference.map((m) => m.rate));
  const ratio = reference === null ? null : product / reference;
  return {
    stage: input.stage,
    settings: input.settings,
    product: `${fmt(product)} ${input.unit}`,
    reference:
      reference === null ? '—' : `${fmt(reference)} ${input.unit} (${input.referenceLabel})`,
    ratio,
    target: input.target,
    met: input.minRatio === undefined || ratio === null ? null : ratio >= input.minRatio,
    cpu: {
      product: meanCores(input.product.map((m) => m.cpu)),
      reference: input.reference === null ? null : meanCores(input.reference.map((m) => m.cpu)),
    },
    data: {
      unit: input.unit,
      productMedian: product,
      referenceMedian: reference,
      productRuns: input.product.map((m) => m.rate),
      referenceRuns: input.reference?.map((m) => m.rate) ?? null,
      ...input.extra,
    },
  };
}

/** A row for a stage that could not be measured; the run goes on with the next one. */
export function failedRow(stage: string, error: unknown): StageRow {
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
  return {
    stage,
    settings: '',
    product: '',
    reference: '',
    ratio: null,
    target: '',
    met: null,
    cpu: { product: {}, reference: null },
    data: { error: error instanceof Error ? (error.stack ?? error.message) : String(error) },
    error: message,
  };
}

export const n = (value: number): string => fmt(value);
