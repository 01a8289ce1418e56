import { ApiProperty } from '@nestjs/swagger';
import {
  EMOTION_LEVELS,
  LIFECYCLE_STATUSES,
  STAGES,
  type EmotionLevel,
  type LifecycleStatus,
  type Stage,
} from '@cx/domain';
import type { CustomerSummary } from '@cx/read-models';

export class CustomerSummaryDto implements CustomerSummary {
  @ApiProperty({ example: 'cust-000042' })
  customerId!: string;

  @ApiProperty({ enum: STAGES, example: 'advocacy' })
  stage!: Stage;

  @ApiProperty({ example: 'post_purchase' })
  phase!: string;

  @ApiProperty({ enum: LIFECYCLE_STATUSES, example: 'active' })
  status!: LifecycleStatus;

  @ApiProperty({ enum: EMOTION_LEVELS, example: 'ecstasy' })
  emotionLevel!: EmotionLevel;

  @ApiProperty({ type: Number, nullable: true, example: 1.75 })
  emotionScore!: number | null;

  @ApiProperty({ enum: ['positive', 'negative'], example: 'positive' })
  loyaltySide!: string;

  @ApiProperty({ example: 6 })
  loyaltyPosition!: number;

  @ApiProperty({ example: 14 })
  touchpoints!: number;

  @ApiProperty({
    example: 1042,
    description: 'Event-store position of the latest event applied to this customer.',
  })
  lastPosition!: number;

  @ApiProperty({
    example: '2025-05-01T12:00:00.000Z',
    description: 'When the projection last updated this customer.',
  })
  updatedAt!: string;
}

export class CustomerListResponseDto {
  @ApiProperty({ type: () => [CustomerSummaryDto], description: 'Ascending by customerId.' })
  items!: CustomerSummaryDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'YzE6Y3VzdC0wMDAwNDI',
    description: 'Pass as cursor (with the same filters) for the next page; null on the last page.',
  })
  nextCursor!: string | null;
}
