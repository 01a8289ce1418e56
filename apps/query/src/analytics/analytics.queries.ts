import { Query } from '@nestjs/cqrs';
import type { BucketSize, GroupBy } from '@cx/domain';
import type { Consistency } from '../infrastructure/projection-waiter';
import type {
  ChurnResponseDto,
  ComplaintMetricsResponseDto,
  CustomerValueResponseDto,
  ExperienceMetricsResponseDto,
  FunnelResponseDto,
  MomentsOfTruthResponseDto,
  PerceptionGapResponseDto,
  RevenueResponseDto,
} from './analytics.response.dto';

export interface ExperienceMetricsCriteria {
  readonly from: string;
  readonly to: string;
  readonly interval?: BucketSize;
  readonly groupBy?: GroupBy;
  readonly timeZone?: string;
}

/** NPS, CSAT and CES over a window, by bucket and group. */
export class GetExperienceMetricsQuery extends Query<ExperienceMetricsResponseDto> {
  constructor(
    readonly criteria: ExperienceMetricsCriteria,
    readonly consistency: Consistency,
  ) {
    super();
  }
}

export interface ComplaintMetricsCriteria {
  readonly from: string;
  readonly to: string;
  readonly groupBy?: 'channel';
}

/** Complaints opened, resolved, open, and how fast they were resolved. */
export class GetComplaintMetricsQuery extends Query<ComplaintMetricsResponseDto> {
  constructor(
    readonly criteria: ComplaintMetricsCriteria,
    readonly consistency: Consistency,
  ) {
    super();
  }
}

export interface RevenueCriteria {
  readonly from: string;
  readonly to: string;
  readonly interval?: BucketSize;
  readonly groupBy?: GroupBy;
  readonly timeZone?: string;
}

/** Revenue per period and group, with the mean lifetime value per stage. */
export class GetRevenueQuery extends Query<RevenueResponseDto> {
  constructor(
    readonly criteria: RevenueCriteria,
    readonly consistency: Consistency,
  ) {
    super();
  }
}

/** One customer's lifetime value to date. */
export class GetCustomerValueQuery extends Query<CustomerValueResponseDto> {
  constructor(
    readonly customerId: string,
    readonly consistency: Consistency,
  ) {
    super();
  }
}

export interface ChurnCriteria {
  readonly from: string;
  readonly to: string;
  readonly interval?: BucketSize;
  readonly timeZone?: string;
}

/** Cancellations and lost customers per period. */
export class GetChurnQuery extends Query<ChurnResponseDto> {
  constructor(
    readonly criteria: ChurnCriteria,
    readonly consistency: Consistency,
  ) {
    super();
  }
}

/** Customers per stage and status now, and the window's stage conversions. */
export class GetFunnelQuery extends Query<FunnelResponseDto> {
  constructor(
    readonly criteria: { readonly from: string; readonly to: string },
    readonly consistency: Consistency,
  ) {
    super();
  }
}

/** The perception gap per touchpoint name or channel. */
export class GetPerceptionGapQuery extends Query<PerceptionGapResponseDto> {
  constructor(
    readonly groupBy: 'touchpointName' | 'channel',
    readonly consistency: Consistency,
  ) {
    super();
  }
}

/** Moments of truth, found from the data and as flagged, over a window. */
export class GetMomentsOfTruthQuery extends Query<MomentsOfTruthResponseDto> {
  constructor(
    readonly criteria: { readonly from: string; readonly to: string },
    readonly consistency: Consistency,
  ) {
    super();
  }
}
