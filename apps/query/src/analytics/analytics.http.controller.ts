import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '@cx/platform';
import { ApiAnalyticsErrors } from '../common/api-errors';
import {
  ChurnRequestDto,
  ComplaintMetricsRequestDto,
  ExperienceMetricsRequestDto,
  FunnelRequestDto,
  MomentsOfTruthRequestDto,
  PerceptionGapRequestDto,
  RevenueRequestDto,
} from './analytics.request.dto';
import {
  GetChurnQuery,
  GetComplaintMetricsQuery,
  GetExperienceMetricsQuery,
  GetFunnelQuery,
  GetMomentsOfTruthQuery,
  GetPerceptionGapQuery,
  GetRevenueQuery,
} from './analytics.queries';
import {
  ChurnResponseDto,
  ComplaintMetricsResponseDto,
  ExperienceMetricsResponseDto,
  FunnelResponseDto,
  MomentsOfTruthResponseDto,
  PerceptionGapResponseDto,
  RevenueResponseDto,
} from './analytics.response.dto';

@ApiTags('analytics')
@RequireScope('analytics:read')
@Controller('v1')
export class AnalyticsHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get('metrics')
  @ApiOperation({
    operationId: 'getExperienceMetrics',
    summary: 'NPS, CSAT and CES over time and by dimension',
    description:
      "Answers count in the window and bucket of their touchpoint's occurredAt ([from, to), buckets " +
      "in timeZone). Grouping by stage uses each customer's current stage, so answers move with " +
      "their customer. Touchpoints that the customer's consents leave out are not counted. Read " +
      'from pre-aggregated cells: a year of a million customers answers in milliseconds.',
  })
  @ApiOkResponse({ type: ExperienceMetricsResponseDto })
  @ApiAnalyticsErrors()
  metrics(@Query() query: ExperienceMetricsRequestDto): Promise<ExperienceMetricsResponseDto> {
    const { minPosition, waitMs, ...criteria } = query;
    return this.queryBus.execute(new GetExperienceMetricsQuery(criteria, { minPosition, waitMs }));
  }

  @Get('complaints')
  @ApiOperation({
    operationId: 'getComplaintMetrics',
    summary: 'Complaints opened, resolved and open, time to resolve, share within the SLA',
    description:
      "Counts a complaint's earliest opening and earliest resolution only (spec §3). Times to " +
      'resolve are nearest-rank percentiles over the resolutions inside the window.',
  })
  @ApiOkResponse({ type: ComplaintMetricsResponseDto })
  @ApiAnalyticsErrors()
  complaints(@Query() query: ComplaintMetricsRequestDto): Promise<ComplaintMetricsResponseDto> {
    const { minPosition, waitMs, ...criteria } = query;
    return this.queryBus.execute(new GetComplaintMetricsQuery(criteria, { minPosition, waitMs }));
  }

  @Get('revenue')
  @ApiOperation({
    operationId: 'getRevenue',
    summary: 'Revenue per period, group and currency, and the mean lifetime value per stage',
    description:
      'From the `value` of purchases and repurchases, in the bucket of their occurredAt. Amounts ' +
      'are summed exactly and never across currencies. valueByStage is the mean customer lifetime ' +
      'value to date per current stage and currency.',
  })
  @ApiOkResponse({ type: RevenueResponseDto })
  @ApiAnalyticsErrors()
  revenue(@Query() query: RevenueRequestDto): Promise<RevenueResponseDto> {
    const { minPosition, waitMs, ...criteria } = query;
    return this.queryBus.execute(new GetRevenueQuery(criteria, { minPosition, waitMs }));
  }

  @Get('churn')
  @ApiOperation({
    operationId: 'getChurn',
    summary: 'Cancellations and lost customers per period',
    description:
      'A customer is lost while no purchase is later than their latest cancellation (spec §2); ' +
      'they are counted in the bucket of that cancellation.',
  })
  @ApiOkResponse({ type: ChurnResponseDto })
  @ApiAnalyticsErrors()
  churn(@Query() query: ChurnRequestDto): Promise<ChurnResponseDto> {
    const { minPosition, waitMs, ...criteria } = query;
    return this.queryBus.execute(new GetChurnQuery(criteria, { minPosition, waitMs }));
  }

  @Get('funnel')
  @ApiOperation({
    operationId: 'getFunnel',
    summary: 'Customers per stage and status, and stage-to-stage conversion',
    description:
      'byStage, byStatus and conversion describe the customers now. entries counts the entries ' +
      'into each stage inside the window and how many were followed by a rise to a higher stage.',
  })
  @ApiOkResponse({ type: FunnelResponseDto })
  @ApiAnalyticsErrors()
  funnel(@Query() query: FunnelRequestDto): Promise<FunnelResponseDto> {
    const { minPosition, waitMs, ...criteria } = query;
    return this.queryBus.execute(new GetFunnelQuery(criteria, { minPosition, waitMs }));
  }

  @Get('perception-gap')
  @ApiOperation({
    operationId: 'getPerceptionGap',
    summary: 'What the company thinks it delivered against what the customer felt',
    description:
      'Every touchpoint with a companyAssessment and a customer signal is a pair (spec §6): the ' +
      "company's assessment and the customer's score (CSAT, else the mean of valence + 3). Per " +
      'touchpoint name or channel: both means and the gap, company minus customer.',
  })
  @ApiOkResponse({ type: PerceptionGapResponseDto })
  @ApiAnalyticsErrors()
  perceptionGap(@Query() query: PerceptionGapRequestDto): Promise<PerceptionGapResponseDto> {
    const { minPosition, waitMs, groupBy } = query;
    return this.queryBus.execute(
      new GetPerceptionGapQuery(groupBy ?? 'touchpointName', { minPosition, waitMs }),
    );
  }

  @Get('moments-of-truth')
  @ApiOperation({
    operationId: 'getMomentsOfTruth',
    summary: 'The touchpoints after which customers turn, found from the data',
    description:
      'Per touchpoint name: the customers who passed it inside the window, the mean valence of ' +
      'their signals there, and the shares of them whose status turned at_risk or lost, or whose ' +
      'stage rose to loyalty or advocacy, at it or within 30 days after it (spec §6). Ranked by ' +
      'impact (the two shares added); `flagged` shows the touchpoints recorded as moments of truth.',
  })
  @ApiOkResponse({ type: MomentsOfTruthResponseDto })
  @ApiAnalyticsErrors()
  momentsOfTruth(@Query() query: MomentsOfTruthRequestDto): Promise<MomentsOfTruthResponseDto> {
    const { minPosition, waitMs, ...criteria } = query;
    return this.queryBus.execute(new GetMomentsOfTruthQuery(criteria, { minPosition, waitMs }));
  }
}
