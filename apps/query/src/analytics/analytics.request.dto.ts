import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional, ValidateBy } from 'class-validator';
import { parseIsoInstant } from '@cx/contracts';
import { BUCKET_SIZES, GROUP_BYS, type BucketSize, type GroupBy } from '@cx/domain';
import { ConsistencyRequestDto } from '../common/request.dto';

const IsInstant = (): PropertyDecorator =>
  ValidateBy({
    name: 'isInstant',
    validator: {
      validate: (v: unknown) => typeof v === 'string' && parseIsoInstant(v) !== null,
      defaultMessage: () =>
        'must be an ISO-8601 instant with seconds and an offset, e.g. 2025-01-01T00:00:00Z',
    },
  });

/** Whether the runtime's time-zone database knows the zone (`Europe/Madrid`, `UTC`…). */
export function isTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

const IntervalParam = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({
      enum: BUCKET_SIZES,
      example: 'week',
      description:
        'Time buckets: calendar days, weeks starting on Monday, calendar months. One bucket (null) without.',
    }),
    IsOptional(),
    IsEnum(BUCKET_SIZES, { message: `must be one of ${BUCKET_SIZES.join(', ')}` }),
  );

const GroupByParam = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({
      enum: GROUP_BYS,
      example: 'channel',
      description:
        "Group by the touchpoint's channel, category, pillar or touchpointName, or by the customer's current stage.",
    }),
    IsOptional(),
    IsEnum(GROUP_BYS, { message: `must be one of ${GROUP_BYS.join(', ')}` }),
  );

const TimeZoneParam = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({
      example: 'Europe/Madrid',
      description: 'IANA time zone of the bucket boundaries; UTC by default.',
    }),
    IsOptional(),
    ValidateBy({
      name: 'isTimeZone',
      validator: {
        validate: isTimeZone,
        defaultMessage: () => 'must be an IANA time zone, e.g. Europe/Madrid or UTC',
      },
    }),
  );

/** A window of event time, as every windowed analytics endpoint takes it. */
export class AnalyticsWindowRequestDto extends ConsistencyRequestDto {
  @ApiProperty({
    example: '2025-01-01T00:00:00Z',
    description: 'Start of the window, inclusive: an ISO-8601 instant with an offset.',
  })
  @IsInstant()
  from!: string;

  @ApiProperty({
    example: '2026-01-01T00:00:00Z',
    description: 'End of the window, exclusive; after `from` and at most 5 years after it.',
  })
  @IsInstant()
  to!: string;
}

export class ExperienceMetricsRequestDto extends AnalyticsWindowRequestDto {
  @IntervalParam() interval?: BucketSize;
  @GroupByParam() groupBy?: GroupBy;
  @TimeZoneParam() timeZone?: string;
}

export class RevenueRequestDto extends AnalyticsWindowRequestDto {
  @IntervalParam() interval?: BucketSize;
  @GroupByParam() groupBy?: GroupBy;
  @TimeZoneParam() timeZone?: string;
}

export class ChurnRequestDto extends AnalyticsWindowRequestDto {
  @IntervalParam() interval?: BucketSize;
  @TimeZoneParam() timeZone?: string;
}

export class ComplaintMetricsRequestDto extends AnalyticsWindowRequestDto {
  @ApiPropertyOptional({
    enum: ['channel'],
    example: 'channel',
    description: "Group by the channel of each complaint's counted (earliest) opening.",
  })
  @IsOptional()
  @IsEnum(['channel'], { message: 'must be channel' })
  groupBy?: 'channel';
}

export class FunnelRequestDto extends AnalyticsWindowRequestDto {}

export class MomentsOfTruthRequestDto extends AnalyticsWindowRequestDto {}

export class PerceptionGapRequestDto extends ConsistencyRequestDto {
  @ApiPropertyOptional({
    enum: ['touchpointName', 'channel'],
    example: 'touchpointName',
    description: 'touchpointName by default.',
  })
  @IsOptional()
  @IsEnum(['touchpointName', 'channel'], { message: 'must be one of touchpointName, channel' })
  groupBy?: 'touchpointName' | 'channel';
}
