import {
  churn,
  complaintMetrics,
  complaintMetricsByChannel,
  customerValue,
  deriveStageHistory,
  funnel,
  groupByCustomer,
  meanValueByStage,
  momentsOfTruth,
  passagesOf,
  perceptionGap,
  revenue,
  stageConversion,
  countsForAnalytics,
  dedupeTouchpoints,
  deriveProfiles,
  experienceMetrics,
  orderConsentChanges,
  stagesByCustomer,
  type ConsentChange,
  type ConsentPolicy,
  type MetricsQuery,
  type Stage,
  type Touchpoint,
} from '@cx/domain';

/**
 * What the analytics must show, computed with the domain library alone from the same touchpoints
 * and consents: the independent side of every comparison in these tests.
 */
export class ExpectedAnalytics {
  readonly counted: Touchpoint[];
  readonly stages: Map<string, Stage>;
  private readonly unique: Touchpoint[];
  private readonly profiles: ReturnType<typeof deriveProfiles>['profiles'];

  constructor(
    touchpoints: readonly Touchpoint[],
    consents: ReadonlyMap<string, readonly ConsentChange[]>,
    policy: ConsentPolicy,
  ) {
    const unique = dedupeTouchpoints(touchpoints).touchpoints;
    this.unique = unique;
    const ordered = new Map(
      [...consents.entries()].map(([customer, changes]) => [
        customer,
        orderConsentChanges([...changes]),
      ]),
    );
    this.counted = unique.filter((t) =>
      countsForAnalytics(t, ordered.get(t.customerId) ?? [], policy),
    );
    this.profiles = deriveProfiles(unique).profiles;
    this.stages = stagesByCustomer(this.profiles);
  }

  metrics(query: MetricsQuery): ReturnType<typeof experienceMetrics> {
    return experienceMetrics(this.counted, query, { stages: this.stages });
  }

  complaints(from: string, to: string): ReturnType<typeof complaintMetrics> {
    return complaintMetrics(this.counted, { from, to });
  }

  complaintsByChannel(from: string, to: string): ReturnType<typeof complaintMetricsByChannel> {
    return complaintMetricsByChannel(this.counted, { from, to });
  }

  revenue(query: MetricsQuery): {
    rows: ReturnType<typeof revenue>;
    valueByStage: ReturnType<typeof meanValueByStage>;
  } {
    return {
      rows: revenue(this.counted, query, { stages: this.stages }),
      valueByStage: meanValueByStage(this.counted, this.stages),
    };
  }

  customerValue(customerId: string): ReturnType<typeof customerValue> {
    return customerValue(this.counted.filter((t) => t.customerId === customerId));
  }

  churn(query: MetricsQuery): ReturnType<typeof churn> {
    return churn(this.counted, query);
  }

  /** The current funnel over every customer, and stage entries from their whole histories. */
  funnel(
    from: string,
    to: string,
  ): ReturnType<typeof funnel> & {
    entries: ReturnType<typeof stageConversion>;
  } {
    const histories = [...groupByCustomer(this.unique).groups.values()].map((h) =>
      deriveStageHistory(h),
    );
    return { ...funnel(this.profiles), entries: stageConversion(histories, { from, to }) };
  }

  momentsOfTruth(from: string, to: string): ReturnType<typeof momentsOfTruth> {
    const counted = new Set(this.counted.map((t) => t.touchpointId));
    const customers = [...groupByCustomer(this.unique).groups.entries()].map(
      ([customerId, history]) => ({
        customerId,
        passages: passagesOf(history, (t) => counted.has(t.touchpointId)),
      }),
    );
    return momentsOfTruth(customers, { from, to });
  }

  perceptionGap(
    groupBy: 'touchpointName' | 'channel',
  ): ReturnType<typeof perceptionGap>['byChannel'] {
    const gap = perceptionGap(this.counted);
    return groupBy === 'channel' ? gap.byChannel : gap.byTouchpointName;
  }
}
