import parsePrometheusTextFormat from 'parse-prometheus-text-format';

type Labels = Readonly<Record<string, string>>;
type Family = parsePrometheusTextFormat.MetricFamily;
type Sample = parsePrometheusTextFormat.Sample;

const includes = (sample: Sample, labels: Labels): boolean =>
  Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value);

/**
 * One scrape of a service's `/metrics`, parsed, with lookups by name and labels. The parser folds
 * every series of a histogram into one and drops the `_sum` and `_count` of labelled ones (it
 * follows prom2json's shape for unlabelled histograms), so histograms are read from their
 * `_bucket`, `_sum` and `_count` series, parsed as untyped samples with their labels intact.
 */
export class Scrape {
  private readonly families: ReadonlyMap<string, Family>;
  private readonly series = new Map<string, Sample[]>();

  constructor(readonly text: string) {
    this.families = new Map(parsePrometheusTextFormat(text).map((f) => [f.name, f]));
    const untyped = text.replace(/^# (TYPE|HELP) .*$/gm, '');
    for (const family of parsePrometheusTextFormat(untyped)) {
      this.series.set(family.name, [...(this.series.get(family.name) ?? []), ...family.metrics]);
    }
  }

  family(name: string): Family {
    const family = this.families.get(name);
    if (family === undefined) throw new Error(`${name} is not in the scrape`);
    return family;
  }

  has(name: string): boolean {
    return this.families.has(name);
  }

  /** The samples of the counter or gauge `name` whose labels include `labels`. */
  samples(name: string, labels: Labels = {}): Sample[] {
    return this.family(name).metrics.filter((sample) => includes(sample, labels));
  }

  /** The sum of the matching counter or gauge samples; 0 when none matches. */
  value(name: string, labels: Labels = {}): number {
    return this.samples(name, labels).reduce((sum, s) => sum + Number(s.value ?? 'NaN'), 0);
  }

  /** Count, sum and cumulative buckets (by `le`) of the matching histogram series, added up. */
  histogram(
    name: string,
    labels: Labels = {},
  ): { count: number; sum: number; buckets: Map<string, number> } {
    if (this.family(name).type !== 'HISTOGRAM') throw new Error(`${name} is no histogram`);
    const total = (suffix: string): number =>
      (this.series.get(`${name}_${suffix}`) ?? [])
        .filter((s) => includes(s, labels))
        .reduce((sum, s) => sum + Number(s.value ?? 'NaN'), 0);
    const buckets = new Map<string, number>();
    for (const sample of this.series.get(`${name}_bucket`) ?? []) {
      const le = sample.labels?.le;
      if (le === undefined || !includes(sample, labels)) continue;
      buckets.set(le, (buckets.get(le) ?? 0) + Number(sample.value ?? 'NaN'));
    }
    return { count: total('count'), sum: total('sum'), buckets };
  }

  /** Every series of the histogram `name`, by its labels (`le` left out). */
  histogramSeries(name: string): Labels[] {
    const seen = new Map<string, Labels>();
    for (const sample of this.series.get(`${name}_count`) ?? []) {
      const labels = sample.labels ?? {};
      seen.set(JSON.stringify(labels), labels);
    }
    return [...seen.values()];
  }
}
