import { ApiProperty } from '@nestjs/swagger';
import {
  LIFECYCLE_STATUSES,
  PHASES,
  STAGES,
  type CustomerProfile,
  type LifecycleStatus,
  type Phase,
  type Stage,
} from '@cx/domain';
import { EmotionViewDto } from '../get-customer-emotion/get-customer-emotion.response.dto';
import { LoyaltyViewDto } from '../get-customer-loyalty/get-customer-loyalty.response.dto';

/** Exactly one line of `cx derive`: the profile the projector stored. */
export class CustomerProfileResponseDto implements CustomerProfile {
  @ApiProperty({ example: 'cust-000042' })
  customerId!: string;

  @ApiProperty({ enum: STAGES, example: 'satisfaction' })
  stage!: Stage;

  @ApiProperty({ enum: PHASES, example: 'post_purchase' })
  phase!: Phase;

  @ApiProperty({ enum: LIFECYCLE_STATUSES, example: 'active' })
  status!: LifecycleStatus;

  @ApiProperty({ type: () => EmotionViewDto })
  emotion!: EmotionViewDto;

  @ApiProperty({ type: () => LoyaltyViewDto })
  loyalty!: LoyaltyViewDto;

  @ApiProperty({
    example: 12,
    description: 'Touchpoints in the history (duplicates counted once).',
  })
  touchpoints!: number;

  @ApiProperty({ example: '2025-01-03T10:00:00.000Z' })
  firstTouchpointAt!: string;

  @ApiProperty({ example: '2025-04-20T08:30:00.000Z' })
  lastTouchpointAt!: string;
}
