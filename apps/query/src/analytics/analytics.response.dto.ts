import { ApiProperty } from '@nestjs/swagger';
import { BUCKET_SIZES, GROUP_BYS, STAGES, type Stage } from '@cx/domain';

class NpsFigureDto {
  @ApiProperty({ type: Number, nullable: true, example: 12.5, description: '−100…100' })
  score!: number | null;
  @ApiProperty({ example: 8 }) answers!: number;
  @ApiProperty({ example: 3, description: 'answered 9 or 10' }) promoters!: number;
  @ApiProperty({ example: 3, description: 'answered 7 or 8' }) passives!: number;
  @ApiProperty({ example: 2, description: 'answered 0 to 6' }) detractors!: number;
}

class CsatFigureDto {
  @ApiProperty({ type: Number, nullable: true, example: 80, description: '0…100' })
  score!: number | null;
  @ApiProperty({ example: 5 }) answers!: number;
  @ApiProperty({ example: 4, description: 'answered 4 or 5' }) satisfied!: number;
}

class CesFigureDto {
  @ApiProperty({ type: Number, nullable: true, example: 3.2, description: 'mean answer, 1…7' })
  score!: number | null;
  @ApiProperty({ example: 5 }) answers!: number;
}

export class ExperienceMetricsRowDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: '2025-06-02',
    description: "The bucket's first day in the asked zone; null without interval.",
  })
  bucket!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'chat',
    description: "The group's value; null without groupBy and for touchpoints without one.",
  })
  group!: string | null;

  @ApiProperty({ type: () => NpsFigureDto }) nps!: NpsFigureDto;
  @ApiProperty({ type: () => CsatFigureDto }) csat!: CsatFigureDto;
  @ApiProperty({ type: () => CesFigureDto }) ces!: CesFigureDto;
}

export class ExperienceMetricsResponseDto {
  @ApiProperty({ example: '2025-06-01T00:00:00.000Z' }) from!: string;
  @ApiProperty({ example: '2025-07-01T00:00:00.000Z' }) to!: string;
  @ApiProperty({ enum: BUCKET_SIZES, nullable: true, example: 'week' })
  interval!: string | null;
  @ApiProperty({ enum: GROUP_BYS, nullable: true, example: 'channel' })
  groupBy!: string | null;
  @ApiProperty({ example: 'UTC' }) timeZone!: string;

  @ApiProperty({
    type: () => [ExperienceMetricsRowDto],
    description:
      'By bucket, then group (null first). Buckets and groups without any answer are left out.',
  })
  rows!: ExperienceMetricsRowDto[];
}

export class ComplaintMetricsRowDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'contact_center',
    description: "The channel of the complaints' counted openings; null without groupBy.",
  })
  group!: string | null;
  @ApiProperty({ example: 12, description: 'counted openings inside the window' }) opened!: number;
  @ApiProperty({ example: 9, description: 'counted resolutions inside the window' })
  resolved!: number;
  @ApiProperty({
    example: 4,
    description: "opened before the window's end and not resolved before it",
  })
  openNow!: number;
  @ApiProperty({ type: Number, nullable: true, example: 5400 })
  medianSecondsToResolve!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 172800 })
  p90SecondsToResolve!: number | null;
  @ApiProperty({ type: Number, nullable: true, example: 0.777777778 })
  withinSlaShare!: number | null;
}

export class ComplaintMetricsResponseDto {
  @ApiProperty({ example: '2025-01-01T00:00:00.000Z' }) from!: string;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' }) to!: string;
  @ApiProperty({ enum: ['channel'], nullable: true, example: 'channel' })
  groupBy!: string | null;
  @ApiProperty({
    type: () => [ComplaintMetricsRowDto],
    description:
      'One row (group null) without groupBy; by channel otherwise, channels with nothing to count left out.',
  })
  rows!: ComplaintMetricsRowDto[];
}

export class RevenueRowDto {
  @ApiProperty({ type: String, nullable: true, example: '2025-06-01' }) bucket!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'web' }) group!: string | null;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ example: 18250.5, description: 'Exact sum, rounded to 9 decimals.' })
  amount!: number;
  @ApiProperty({ example: 231 }) purchases!: number;
}

export class StageValueDto {
  @ApiProperty({ enum: STAGES, example: 'loyalty' }) stage!: Stage;
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({
    example: 812,
    description: 'customers now at this stage with a purchase in this currency',
  })
  customers!: number;
  @ApiProperty({ example: 1480.25, description: 'their mean lifetime value to date' })
  meanValue!: number;
}

export class RevenueResponseDto {
  @ApiProperty({ example: '2025-01-01T00:00:00.000Z' }) from!: string;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' }) to!: string;
  @ApiProperty({ enum: BUCKET_SIZES, nullable: true, example: 'month' }) interval!: string | null;
  @ApiProperty({ enum: GROUP_BYS, nullable: true, example: 'channel' }) groupBy!: string | null;
  @ApiProperty({ example: 'UTC' }) timeZone!: string;
  @ApiProperty({
    type: () => [RevenueRowDto],
    description: 'By bucket, group (null first), currency. Currencies are never summed together.',
  })
  rows!: RevenueRowDto[];
  @ApiProperty({
    type: () => [StageValueDto],
    description: 'Mean customer lifetime value to date per current stage and currency (all time).',
  })
  valueByStage!: StageValueDto[];
}

export class CustomerValueItemDto {
  @ApiProperty({ example: 'EUR' }) currency!: string;
  @ApiProperty({ example: 1480.25 }) amount!: number;
  @ApiProperty({ example: 6 }) purchases!: number;
}

export class CustomerValueResponseDto {
  @ApiProperty({ example: 'cust-000042' }) customerId!: string;
  @ApiProperty({
    type: () => [CustomerValueItemDto],
    description: 'Lifetime value to date per currency (counted purchases); empty without one.',
  })
  values!: CustomerValueItemDto[];
}

export class ChurnRowDto {
  @ApiProperty({ type: String, nullable: true, example: '2025-06-01' }) bucket!: string | null;
  @ApiProperty({ example: 14 }) cancellations!: number;
  @ApiProperty({
    example: 11,
    description: 'customers lost now, counted in the bucket of their latest cancellation',
  })
  lostCustomers!: number;
}

export class ChurnResponseDto {
  @ApiProperty({ example: '2025-01-01T00:00:00.000Z' }) from!: string;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' }) to!: string;
  @ApiProperty({ enum: BUCKET_SIZES, nullable: true, example: 'month' }) interval!: string | null;
  @ApiProperty({ example: 'UTC' }) timeZone!: string;
  @ApiProperty({ type: () => [ChurnRowDto], description: 'By bucket; empty buckets left out.' })
  rows!: ChurnRowDto[];
}

class FunnelStepDto {
  @ApiProperty({ enum: STAGES, example: 'awareness' }) from!: Stage;
  @ApiProperty({ enum: STAGES, example: 'knowledge' }) to!: Stage;
  @ApiProperty({ type: Number, nullable: true, example: 0.62 }) rate!: number | null;
}

class StageConversionDto {
  @ApiProperty({ enum: STAGES, example: 'consideration' }) stage!: Stage;
  @ApiProperty({ example: 420, description: 'entries into the stage inside the window' })
  entered!: number;
  @ApiProperty({ example: 260, description: 'of those, followed by a rise to a higher stage' })
  rose!: number;
  @ApiProperty({ type: Number, nullable: true, example: 0.619047619 }) rate!: number | null;
}

export class FunnelResponseDto {
  @ApiProperty({ example: '2025-01-01T00:00:00.000Z' }) from!: string;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' }) to!: string;
  @ApiProperty({ example: 10000, description: 'customers now' }) customers!: number;
  @ApiProperty({
    example: {
      awareness: 1200,
      knowledge: 900,
      consideration: 700,
      selection: 2500,
      satisfaction: 2100,
      loyalty: 1800,
      advocacy: 800,
    },
    description: 'customers per current stage',
  })
  byStage!: Record<Stage, number>;
  @ApiProperty({
    example: { active: 8200, at_risk: 1300, lost: 500 },
    description: 'customers per current status',
  })
  byStatus!: Record<string, number>;
  @ApiProperty({
    type: () => [FunnelStepDto],
    description: 'customers now at `to` or beyond ÷ customers now at `from` or beyond',
  })
  conversion!: FunnelStepDto[];
  @ApiProperty({
    type: () => [StageConversionDto],
    description: 'stage-to-stage conversion of the customers who entered a stage inside the window',
  })
  entries!: StageConversionDto[];
}

class PerceptionGapRowDto {
  @ApiProperty({ type: String, nullable: true, example: 'checkout' }) key!: string | null;
  @ApiProperty({ example: 120 }) pairs!: number;
  @ApiProperty({ example: 4.4 }) companyMean!: number;
  @ApiProperty({ example: 3.1 }) customerMean!: number;
  @ApiProperty({
    example: 1.3,
    description: 'company − customer: positive when the company rates itself higher',
  })
  gap!: number;
}

export class PerceptionGapResponseDto {
  @ApiProperty({ enum: ['touchpointName', 'channel'], example: 'touchpointName' })
  groupBy!: string;
  @ApiProperty({ type: () => [PerceptionGapRowDto] }) rows!: PerceptionGapRowDto[];
}

class MomentOfTruthDto {
  @ApiProperty({ example: 'invoice-dispute' }) touchpointName!: string;
  @ApiProperty({ example: 412, description: 'customers who passed it inside the window' })
  customers!: number;
  @ApiProperty({
    type: Number,
    nullable: true,
    example: -0.8,
    description: 'mean valence (−2…2) of the signals given there',
  })
  meanValence!: number | null;
  @ApiProperty({
    example: 0.31,
    description: 'share of them whose status turned at_risk or lost within 30 days after it',
  })
  dropShare!: number;
  @ApiProperty({
    example: 0.02,
    description: 'share of them whose stage rose to loyalty or advocacy within 30 days after it',
  })
  riseShare!: number;
  @ApiProperty({ example: 0.33, description: 'dropShare + riseShare; the ranking' })
  impact!: number;
  @ApiProperty({ example: true, description: 'marked momentOfTruth by whoever recorded it' })
  flagged!: boolean;
}

export class MomentsOfTruthResponseDto {
  @ApiProperty({ example: '2025-01-01T00:00:00.000Z' }) from!: string;
  @ApiProperty({ example: '2026-01-01T00:00:00.000Z' }) to!: string;
  @ApiProperty({ example: 30, description: 'days after a passage in which a turn counts' })
  horizonDays!: number;
  @ApiProperty({
    type: () => [MomentOfTruthDto],
    description: 'Per touchpoint name, by impact (highest first), then name.',
  })
  rows!: MomentOfTruthDto[];
}
