import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEnum, IsOptional } from 'class-validator';
import {
  EMOTION_LEVELS,
  LIFECYCLE_STATUSES,
  STAGES,
  type EmotionLevel,
  type LifecycleStatus,
  type Stage,
} from '@cx/domain';
import {
  IsCustomerId,
  PageCursorParam,
  PageLimitParam,
  IsPosition,
  IsWaitMs,
  MAX_WAIT_MS,
  PAGE_LIMIT,
} from './request-validation';

export class CustomerPathDto {
  @ApiProperty({
    example: 'cust-000042',
    description: 'The customer, as sent to ingestion: 1–128 of A-Z a-z 0-9 . _ : -',
  })
  @IsCustomerId()
  customerId!: string;
}

/** Read-your-writes: every query endpoint can wait until the projection has applied a position. */
export class ConsistencyRequestDto {
  @ApiPropertyOptional({
    example: 1042,
    description:
      'Event-store position returned by ingestion. The answer waits until the projection has applied ' +
      'this event (at most waitMs), so a client never has to sleep and poll; 503 projection_not_caught_up otherwise.',
  })
  @IsOptional()
  @IsPosition()
  minPosition?: number;

  @ApiPropertyOptional({
    example: 5000,
    minimum: 0,
    maximum: MAX_WAIT_MS,
    description: 'How long to wait for minPosition, in ms (default 5000).',
  })
  @IsOptional()
  @IsWaitMs()
  waitMs?: number;
}

export class CustomerQueryRequestDto extends ConsistencyRequestDto {}

export class ListTouchpointsRequestDto extends ConsistencyRequestDto {
  @PageLimitParam()
  limit: number = PAGE_LIMIT.default;

  @PageCursorParam('touchpoints')
  cursor?: string;
}

export class ListCustomersRequestDto extends ConsistencyRequestDto {
  @ApiPropertyOptional({ enum: STAGES, example: 'advocacy' })
  @IsOptional()
  @IsEnum(STAGES, { message: `must be one of ${STAGES.join(', ')}` })
  stage?: Stage;

  @ApiPropertyOptional({ enum: LIFECYCLE_STATUSES, example: 'at_risk' })
  @IsOptional()
  @IsEnum(LIFECYCLE_STATUSES, { message: `must be one of ${LIFECYCLE_STATUSES.join(', ')}` })
  status?: LifecycleStatus;

  @ApiPropertyOptional({
    enum: EMOTION_LEVELS,
    example: 'rejection',
    description: 'The emotion level.',
  })
  @IsOptional()
  @IsEnum(EMOTION_LEVELS, { message: `must be one of ${EMOTION_LEVELS.join(', ')}` })
  emotion?: EmotionLevel;

  @PageLimitParam()
  limit: number = PAGE_LIMIT.default;

  @PageCursorParam('customers')
  cursor?: string;
}
