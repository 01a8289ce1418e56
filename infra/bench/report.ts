import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { repoRoot } from '../local/repo-root';
import type { CpuCores } from './processes';

/** One line of the result table. */
export interface StageRow {
  readonly stage: string;
  /** What was measured: sizes, concurrency, repetitions. */
  readonly settings: string;
  readonly product: string;
  readonly reference: string;
  /** product / reference, where both are rates of the same work. */
  readonly ratio: number | null;
  readonly target: string;
  /** Whether the target is met; null when this run cannot tell (another size, no target). */
  readonly met: boolean | null;
  readonly cpu: { readonly product: CpuCores; readonly reference: CpuCores | null };
  /** The raw numbers behind the texts (medians, every repetition). */
  readonly data: Record<string, unknown>;
  readonly error?: string;
}

export interface RunInfo {
  readonly mode: 'quick' | 'full';
  readonly date: string;
  readonly seconds: number;
  readonly machine: { cores: number; memoryGiB: number; cpuModel: string; loadAverage: number[] };
  readonly versions: { node: string; postgres: string; kafka: string };
  readonly settings: Record<string, unknown>;
  /** Stages measured again later with `--only` (e.g. after a run disturbed by other work). */
  readonly reruns?: readonly { readonly stages: readonly string[]; readonly date: string }[];
}

export function machineInfo(): RunInfo['machine'] {
  return {
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export const fmt = (value: number, digits = 0): string =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', {
        maximumFractionDigits: digits,
        minimumFractionDigits: digits,
      })
    : '—';

/**
 * Cores used per component, busiest first; `other` is what the rest of the machine used
 * meanwhile (another build or test run makes the figures noisy).
 */
export function cpuText(cores: CpuCores | null): string {
  if (cores === null) return '—';
  const { machine, ...ours } = cores;
  const parts = Object.entries(ours)
    .filter(([, c]) => c >= 0.01)
    .sort((a, b) => b[1] - a[1])
    .map(([name, c]) => `${name} ${fmt(c, 2)}`);
  if (machine !== undefined) {
    const other = machine - Object.values(ours).reduce((a, b) => a + b, 0);
    if (other >= 0.05) parts.push(`other ${fmt(other, 2)}`);
  }
  return parts.join(' · ') || '—';
}

function ratioText(row: StageRow): string {
  if (row.error !== undefined) return 'failed';
  return row.ratio === null ? '—' : `${fmt(row.ratio, 2)}×`;
}

function targetText(row: StageRow): string {
  const verdict = row.met === null ? '' : row.met ? ' ✓' : ' ✗';
  return `${row.target}${verdict}`;
}

const HEADERS = [
  'stage',
  'settings',
  'product',
  'reference',
  'ratio',
  'target',
  'CPU product',
  'CPU reference',
];

function cells(row: StageRow): string[] {
  return [
    row.stage,
    row.settings,
    row.error === undefined ? row.product : `failed: ${row.error}`,
    row.reference,
    ratioText(row),
    targetText(row),
    cpuText(row.cpu.product),
    cpuText(row.cpu.reference),
  ];
}

export function markdownTable(rows: readonly StageRow[]): string {
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines = [
    `| ${HEADERS.join(' | ')} |`,
    `| ${HEADERS.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${cells(row).map(escape).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** The table for a terminal: one block per stage, so that long cells stay readable. */
export function consoleTable(rows: readonly StageRow[]): string {
  const width = Math.max(...HEADERS.map((h) => h.length));
  return rows
    .map((row) =>
      cells(row)
        .map((cell, i) => `${(HEADERS[i] ?? '').padEnd(width)}  ${cell}`)
        .join('\n'),
    )
    .join('\n\n');
}

function markdownReport(info: RunInfo, rows: readonly StageRow[]): string {
  const m = info.machine;
  return [
    `# Benchmark results (${info.mode})`,
    '',
    `${info.date} · ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB · Node ${info.versions.node} · ` +
      `Postgres ${info.versions.postgres} · Kafka ${info.versions.kafka} · load average at start ` +
      `${m.loadAverage.join(' / ')} · ${fmt(info.seconds)} s`,
    '',
    `Produced by \`npm run bench${info.mode === 'quick' ? ':quick' : ''}\`. Each figure is the median of ` +
      'interleaved repetitions; the reference does the same work on the same rows with the bare ' +
      'tool, measured in the same run. CPU is in cores (CPU seconds per wall second) per component; ' +
      '`other` is what the rest of the machine used meanwhile (a build or test run on the shared ' +
      'machine makes the figures noisy). `pg` counts every Postgres process on the server.',
    '',
    ...(info.reruns ?? []).map(
      (rerun) =>
        `Stages ${rerun.stages.join(', ')} measured again on ${rerun.date} (\`--only\`).\n`,
    ),
    markdownTable(rows),
    '',
    '## Settings',
    '',
    '```json',
    JSON.stringify(info.settings, null, 2),
    '```',
    '',
  ].join('\n');
}

const stageNumber = (row: StageRow): number => parseInt(row.stage, 10);

export function sortedByStage(rows: readonly StageRow[]): StageRow[] {
  return [...rows].sort((a, b) => stageNumber(a) - stageNumber(b));
}

function reportBase(mode: RunInfo['mode']): string {
  return join(repoRoot(), 'docs', 'benchmarks', mode === 'quick' ? 'latest-quick' : 'latest');
}

/**
 * The published report of this mode with the rows of the stages in `stages` replaced by these
 * ones; just these rows when nothing is published yet.
 */
export function mergeIntoPublished(
  info: RunInfo,
  rows: readonly StageRow[],
  stages: readonly string[],
): { info: RunInfo; rows: StageRow[] } {
  const file = `${reportBase(info.mode)}.json`;
  if (!existsSync(file)) return { info, rows: [...rows] };
  const published = JSON.parse(readFileSync(file, 'utf8')) as RunInfo & { results: StageRow[] };
  const { results, ...publishedInfo } = published;
  return {
    info: {
      ...publishedInfo,
      reruns: [...(publishedInfo.reruns ?? []), { stages: [...stages], date: info.date }],
    },
    rows: [...results.filter((row) => !stages.includes(String(stageNumber(row)))), ...rows],
  };
}

/**
 * Writes `docs/benchmarks/latest[-quick].{json,md}`, formatted as the repository's Prettier
 * check wants them; returns the paths.
 */
export async function writeReport(info: RunInfo, rows: readonly StageRow[]): Promise<string[]> {
  const base = reportBase(info.mode);
  mkdirSync(dirname(base), { recursive: true });
  const files: [string, string][] = [
    [`${base}.json`, JSON.stringify({ ...info, results: rows }, null, 2)],
    [`${base}.md`, markdownReport(info, rows)],
  ];
  for (const [file, text] of files) {
    const config = (await resolveConfig(file)) ?? {};
    writeFileSync(file, await format(text, { ...config, filepath: file }));
  }
  return files.map(([file]) => file);
}
