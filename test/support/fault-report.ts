import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The fault suite's report: every fault test appends one row (through the file named by env
 * `CX_FAULT_REPORT_ROWS`, which the global setup sets for the run), and the global teardown
 * prints them as a table and writes `.cache/fault-report.md` and `.cache/fault-report.json`.
 */
export interface FaultReportRow {
  readonly fault: string;
  /** Touchpoints acknowledged with 202 (accepted or duplicate, with a position). */
  readonly acknowledged: number;
  /** Acknowledged but not stored, not published or not projected (must be 0). */
  readonly lost: number;
  /** Stored or projected more than once, or profiles not equal to the domain's (must be 0). */
  readonly doubled: number;
  /** Client-visible errors by kind: an HTTP status, or `reset/timeout` (no answer). */
  readonly errors: Readonly<Record<string, number>>;
  /** From the dependency or service being back to every service ready and the projector applying. */
  readonly recoveryMs: number | null;
  readonly notes?: string;
}

export const FAULT_REPORT_ROWS_ENV = 'CX_FAULT_REPORT_ROWS';

const ROOT = join(__dirname, '..', '..');
const CACHE = join(ROOT, '.cache');

/** The rows file of this run (one per jest main process, so concurrent runs do not mix). */
export function faultReportRowsFile(pid = process.pid): string {
  return join(CACHE, `fault-report.rows-${pid}.jsonl`);
}

/** Appends one row to this run's report (a no-op outside a jest run of the integration stack). */
export function recordFaultRow(row: FaultReportRow): void {
  const file = process.env[FAULT_REPORT_ROWS_ENV];
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(row)}\n`);
}

export function formatErrors(errors: Readonly<Record<string, number>>): string {
  const kinds = Object.keys(errors).sort();
  return kinds.length === 0 ? '0' : kinds.map((k) => `${k}: ${errors[k]}`).join(', ');
}

/** The rows as a Markdown table. */
export function faultReportTable(rows: readonly FaultReportRow[]): string {
  const header = [
    'fault',
    'acknowledged',
    'lost',
    'doubled',
    'client-visible errors',
    'recovery (ms)',
    'notes',
  ];
  const lines = rows.map((r) => [
    r.fault,
    String(r.acknowledged),
    String(r.lost),
    String(r.doubled),
    formatErrors(r.errors),
    r.recoveryMs === null ? 'n/a' : String(r.recoveryMs),
    r.notes ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const row = (cells: readonly string[]): string =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [row(header), row(widths.map((w) => '-'.repeat(w))), ...lines.map(row)].join('\n');
}

/**
 * Reads this run's rows, writes `.cache/fault-report.{md,json}` and returns the table, or null
 * when no fault test ran. Removes the rows file.
 */
export function writeFaultReport(file = process.env[FAULT_REPORT_ROWS_ENV]): string | null {
  if (!file || !existsSync(file)) return null;
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as FaultReportRow);
  rmSync(file, { force: true });
  if (rows.length === 0) return null;
  const table = faultReportTable(rows);
  const at = new Date().toISOString();
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(
    join(CACHE, 'fault-report.md'),
    `# Fault report\n\n${at}. Lost and doubled must be 0; recovery runs from the dependency or service being back to every service ready and the projector applying again.\n\n${table}\n`,
  );
  writeFileSync(join(CACHE, 'fault-report.json'), `${JSON.stringify({ at, rows }, null, 2)}\n`);
  return table;
}
