import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { bucketSegments, isoOf, MOMENT_HORIZON_MS } from '@cx/domain';
import { AnalyticsQueries } from '@cx/read-models';
import { ProjectionWaiter } from '../infrastructure/projection-waiter';
import { readFromStore } from '../infrastructure/store-availability';
import { customerNotFound } from '../query.exception';
import {
  GetChurnQuery,
  GetComplaintMetricsQuery,
  GetCustomerValueQuery,
  GetExperienceMetricsQuery,
  GetFunnelQuery,
  GetMomentsOfTruthQuery,
  GetPerceptionGapQuery,
  GetRevenueQuery,
} from './analytics.queries';
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
import { analyticsWindow } from './analytics-window';

@QueryHandler(GetExperienceMetricsQuery)
export class GetExperienceMetricsHandler implements IQueryHandler<
  GetExperienceMetricsQuery,
  ExperienceMetricsResponseDto
> {
  constructor(
    private readonly analytics: AnalyticsQueries,
    private readonly waiter: ProjectionWaiter,
  ) {}

  async execute({
    criteria,
    consistency,
  }: GetExperienceMetricsQuery): Promise<ExperienceMetricsResponseDto> {
    const window = analyticsWindow(criteria.from, criteria.to);
    // Echoed as sent: ICU's resolvedOptions() answers with legacy aliases (Asia/Katmandu for
    // Asia/Kathmandu), a name the client never used.
    const timeZone = criteria.timeZone ?? 'UTC';
    await this.waiter.awaitApplied('all', consistency);
    const segments = bucketSegments(window.from, window.to, criteria.interval, timeZone);
    const rows = await readFromStore(() =>
      this.analytics.experienceMetrics(segments, criteria.groupBy),
    );
    return {
      from: isoOf(window.from),
      to: isoOf(window.to),
      interval: criteria.interval ?? null,
      groupBy: criteria.groupBy ?? null,
      timeZone,
      rows,
    };
  }
}

@QueryHandler(GetComplaintMetricsQuery)
export class GetComplaintMetricsHandler implements IQueryHandler<
  GetComplaintMetricsQuery,
  ComplaintMetricsResponseDto
> {
  constructor(
    private readonly analytics: AnalyticsQueries,
    private readonly waiter: ProjectionWaiter,
  ) {}

  async execute({
    criteria,
    consistency,
  }: GetComplaintMetricsQuery): Promise<ComplaintMetricsResponseDto> {
    const window = analyticsWindow(criteria.from, criteria.to);
    await this.waiter.awaitApplied('all', consistency);
    const rows = await readFromStore(() =>
      this.analytics.complaints(window.from, window.to, criteria.groupBy === 'channel'),
    );
    return {
      from: isoOf(window.from),
      to: isoOf(window.to),
      groupBy: criteria.groupBy ?? null,
      rows,
    };
  }
}

@QueryHandler(GetRevenueQuery)
export class GetRevenueHandler implements IQueryHandler<GetRevenueQuery, RevenueResponseDto> {
  constructor(
    private readonly analytics: AnalyticsQueries,
    private readonly waiter: ProjectionWaiter,
  ) {}

  async execute({ criteria, consistency }: GetRevenueQuery): Promise<RevenueResponseDto> {
    const window = analyticsWindow(criteria.from, criteria.to);
    const timeZone = criteria.timeZone ?? 'UTC';
    await this.waiter.awaitApplied('all', consistency);
    const segments = bucketSegments(window.from, window.to, criteria.interval, timeZone);
    const figures = await readFromStore(() => this.analytics.revenue(segments, criteria.groupBy));
    return {
      from: isoOf(window.from),
      to: isoOf(window.to),
      interval: criteria.interval ?? null,
      groupBy: criteria.groupBy ?? null,
      timeZone,
      ...figures,
    };
  }
}

@QueryHandler(GetCustomerValueQuery)
export class GetCustomerValueHandler implements IQueryHandler<
  GetCustomerValueQuery,
  CustomerValueResponseDto
> {
  constructor(
    private readonly analytics: AnalyticsQueries,
    private readonly waiter: ProjectionWaiter,
  ) {}

  async execute({
    customerId,
    consistency,
  }: GetCustomerValueQuery): Promise<CustomerValueResponseDto> {
    await this.waiter.awaitApplied('all', consistency);
    const values = await readFromStore(() => this.analytics.customerValue(customerId));
    if (values === null) throw customerNotFound(customerId);
    return { customerId, values };
  }
}

@QueryHandler(GetChurnQuery)
export class GetChurnHandler implements IQueryHandler<GetChurnQuery, ChurnResponseDto> {
  constructor(
    private readonly analytics: AnalyticsQueries,
    private readonly waiter: ProjectionWaiter,
  ) {}

  async execute({ criteria, consistency }: GetChurnQuery): Promise<ChurnResponseDto> {
    const window = analyticsWindow(criteria.from, criteria.to);
    const timeZone = criteria.timeZone ?? 'UTC';
    await this.waiter.awaitApplied('all', consistency);
    const segments = bucketSegments(window.from, window.to, criteria.interval, timeZone);
    const rows = await readFromStore(() => this.analytics.churn(segments));
    return {
      from: isoOf(window.from),
      to: isoOf(window.to),
      interval: criteria.interval ?? null,
      timeZone,
      rows,
    };
  }
}

@QueryHandler(GetFunnelQuery)
export class GetFunnelHandler implements IQueryHandler<GetFunnelQuery, FunnelResponseDto> {
  constructor(
    private readonly analytics: AnalyticsQueries,
    private readonly waiter: ProjectionWaiter,
  ) {}

  async execute({ criteria, consistency }: GetFunnelQuery): Promise<FunnelResponseDto> {
    const window = analyticsWindow(criteria.from, criteria.to);
    await this.waiter.awaitApplied('all', consistency);
    const figures = await readFromStore(() => this.analytics.funnel(window.from, window.to));
    return { from: isoOf(window.from), to: isoOf(window.to), ...figures };
  }
}

@QueryHandler(GetPerceptionGapQuery)
export class GetPerceptionGapHandler implements IQueryHandler<
  GetPerceptionGapQuery,
  PerceptionGapResponseDto
> {
  constructor(
    private readonly analytics: AnalyticsQueries,
    private readonly waiter: ProjectionWaiter,
  ) {}

  async execute({
    groupBy,
    consistency,
  }: GetPerceptionGapQuery): Promise<PerceptionGapResponseDto> {
    await this.waiter.awaitApplied('all', consistency);
    const rows = await readFromStore(() => this.analytics.perceptionGap(groupBy));
    return { groupBy, rows };
  }
}

@QueryHandler(GetMomentsOfTruthQuery)
export class GetMomentsOfTruthHandler implements IQueryHandler<
  GetMomentsOfTruthQuery,
  MomentsOfTruthResponseDto
> {
  constructor(
    private readonly analytics: AnalyticsQueries,
    private readonly waiter: ProjectionWaiter,
  ) {}

  async execute({
    criteria,
    consistency,
  }: GetMomentsOfTruthQuery): Promise<MomentsOfTruthResponseDto> {
    const window = analyticsWindow(criteria.from, criteria.to);
    await this.waiter.awaitApplied('all', consistency);
    const rows = await readFromStore(() => this.analytics.momentsOfTruth(window.from, window.to));
    return {
      from: isoOf(window.from),
      to: isoOf(window.to),
      horizonDays: MOMENT_HORIZON_MS / 86_400_000,
      rows,
    };
  }
}
