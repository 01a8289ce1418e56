import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { repoRoot } from '../../local/repo-root';
import { fmt, type RunInfo } from '../report';
import type { DatasetShape, DatasetTimings } from './dataset';
import type { LatencySettings, VariantResult } from './latency';

export interface AnalyticsReport {
  readonly date: string;
  readonly command: string;
  readonly seconds: number;
  readonly machine: RunInfo['machine'];
  readonly versions: { readonly node: string; readonly postgres: string };
  readonly dataset: DatasetTimings & { readonly reused: boolean };
  readonly shape: DatasetShape;
  readonly settings: LatencySettings;
  readonly results: readonly VariantResult[];
  /** `EXPLAIN (ANALYZE, BUFFERS)` of the explained case's statement. */
  readonly explain: {
    readonly case: string;
    readonly plan: string;
    /** The same statement with merge and hash joins disabled, for comparison only. */
    readonly withoutMergeOrHashJoins: string;
  };
}

const HEADERS = [
  'request',
  'rows',
  'requests/round',
  'p50 ms',
  'p99 ms',
  'req/s',
  'p50 over floor',
];

function cells(row: VariantResult, floor: VariantResult | undefined): string[] {
  const isMetrics = row.request.startsWith('GET /v1/metrics');
  return [
    row.label,
    row.rows === null ? '—' : fmt(row.rows),
    fmt(row.requests),
    fmt(row.p50, 2),
    fmt(row.p99, 2),
    fmt(row.rate),
    isMetrics && floor !== undefined ? `+${fmt(row.p50 - floor.p50, 2)} ms` : '—',
  ];
}

export function resultTable(results: readonly VariantResult[]): string {
  const floor = results.find((r) => r.key === 'health');
  const escape = (cell: string): string => cell.replace(/\|/g, '\\|');
  return [
    `| ${HEADERS.join(' | ')} |`,
    `| ${HEADERS.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
    ...results.map((row) => `| ${cells(row, floor).map(escape).join(' | ')} |`),
  ].join('\n');
}

function markdown(report: AnalyticsReport): string {
  const m = report.machine;
  const d = report.dataset;
  const s = report.shape;
  const rebuildRate = d.rebuildEvents / d.rebuildSeconds;
  return [
    '# /v1/metrics latency over a year of data',
    '',
    `${report.date} · ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB · Node ${report.versions.node} · ` +
      `Postgres ${report.versions.postgres} · load average at start ${m.loadAverage.join(' / ')} · ` +
      `${fmt(report.seconds)} s`,
    '',
    `Produced by \`${report.command}\` (add \`--keep\` to keep the filled database for the next run, ` +
      '`--touchpoints N` for another size). Wrapped in `flock /tmp/cx-heavy.lock` on the shared machine.',
    '',
    '## Data',
    '',
    `- ${fmt(d.touchpoints)} touchpoints of ${fmt(d.customers)} customers from the CLI's ` +
      `\`JourneyGenerator\` (seed ${d.seed}), journeys starting in 2025; ${fmt(s.inYear)} ` +
      `(${fmt((100 * s.inYear) / d.touchpoints, 1)} %) fall in the year the requests cover, the rest ` +
      'are journeys running on into 2026.',
    `- Load: COPY into \`touchpoint_events\` (public payload, no personal data) in ${fmt(d.loadSeconds, 1)} s ` +
      `(${fmt(d.touchpoints / d.loadSeconds)} touchpoints/s, generation included).`,
    `- Rebuild: \`rebuildProjections\` of every projection (customer profiles and analytics, \`includeUnapplied\`: nothing ran the live projector) over ` +
      `${fmt(d.rebuildEvents)} events of ${fmt(d.rebuildCustomers)} customers in ${fmt(d.rebuildSeconds, 1)} s ` +
      `(${fmt(rebuildRate)} events/s): ${fmt(d.rebuildPhases.ledger, 1)} s copying the event store into ` +
      `the rebuilt ledger, ${fmt(d.rebuildPhases.project, 1)} s projecting the customers ` +
      `(${fmt(d.rebuildCustomers / d.rebuildPhases.project)} customers/s), ` +
      `${fmt(d.rebuildPhases.switchOver, 1)} s for indexes, ANALYZE and the switch-over.` +
      `${d.reused ? ` Both measured when the database was filled, ${d.filledAt}; this run reused it (\`--keep\`).` : ''}`,
    `- Read models: ${fmt(s.answers)} answers, cells ${Object.entries(s.cells)
      .map(([grain, n]) => `${fmt(n)} of grain \`${grain}\``)
      .join(', ')}, ${fmt(s.customersWithStage)} customers with a stage; ` +
      `${fmt(s.analyticsMiB)} MiB of analytics tables against ${fmt(s.eventStoreMiB)} MiB of event store.`,
    '',
    '## Latency',
    '',
    `${report.settings.clients} closed-loop clients over keep-alive HTTP/1.1 to the built query service ` +
      `(\`CX_AUTH=off\`), ${fmt(report.settings.warmUp)} warm-up requests per request kind (at most ` +
      `${report.settings.maxRoundSeconds / 2} s), then ` +
      `${report.settings.rounds} interleaved rounds of ${fmt(report.settings.requests)} requests per kind ` +
      `(a round stops after ${report.settings.maxRoundSeconds} s, so slow kinds get fewer: see requests/round); ` +
      "each figure is the median over the rounds of that round's percentile. `GET /health/live` of the " +
      'same service is the HTTP floor (it skips the request log and the database); the SQL row runs the ' +
      "endpoint's own statement (taken from `AnalyticsQueries.experienceMetrics`) straight on a `pg` pool of " +
      `${report.settings.clients} connections, without HTTP or JSON.`,
    '',
    resultTable(report.results),
    '',
    '## Requests',
    '',
    ...report.results.map((r) => `- ${r.label}: \`${r.request}\``),
    '',
    `## Plan of ${report.explain.case}`,
    '',
    '`EXPLAIN (ANALYZE, BUFFERS)` of the statement the endpoint sends, with its parameters:',
    '',
    '```text',
    report.explain.plan,
    '```',
    '',
    'For comparison only (the service never sets these): the same statement with ' +
      '`enable_mergejoin` and `enable_hashjoin` off, in a transaction rolled back:',
    '',
    '```text',
    report.explain.withoutMergeOrHashJoins,
    '```',
    '',
  ].join('\n');
}

/** Writes `docs/benchmarks/analytics.{json,md}` as the repository's Prettier wants them. */
export async function writeAnalyticsReport(report: AnalyticsReport): Promise<string[]> {
  const base = join(repoRoot(), 'docs', 'benchmarks', 'analytics');
  mkdirSync(dirname(base), { recursive: true });
  const files: [string, string][] = [
    [`${base}.json`, JSON.stringify(report, null, 2)],
    [`${base}.md`, markdown(report)],
  ];
  for (const [file, text] of files) {
    const config = (await resolveConfig(file)) ?? {};
    writeFileSync(file, await format(text, { ...config, filepath: file }));
  }
  return files.map(([file]) => file);
}
