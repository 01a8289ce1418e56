import { ApiProperty } from '@nestjs/swagger';
import {
  CRITERIA,
  NEGATIVE_COUNTERPARTS,
  type CriterionName,
  type CriterionState,
  type CriterionView,
  type LoyaltySide,
  type NegativeCounterpart,
} from '@cx/domain';

export class CriterionViewDto implements CriterionView {
  @ApiProperty({ enum: CRITERIA, example: 'credibility' })
  name!: CriterionName;

  @ApiProperty({ enum: ['met', 'not_met', 'broken'], example: 'met' })
  state!: CriterionState;

  @ApiProperty({
    type: [String],
    example: ['tp-2025-000017'],
    description: 'The touchpoints that decided this state (sorted touchpointIds).',
  })
  evidence!: string[];
}

/** The loyalty part of a profile (the six criteria of slide 12). */
export class LoyaltyViewDto {
  @ApiProperty({ enum: ['positive', 'negative'], example: 'positive' })
  side!: LoyaltySide;

  @ApiProperty({
    example: 3,
    description:
      'Positive side: criteria met in a row from 1 (0–6). Negative side: the deepest broken criterion (2–6).',
  })
  position!: number;

  // null is one of the values (OpenAPI 3.0.3: a nullable enum lists null), so the example is valid.
  @ApiProperty({
    type: 'string',
    enum: [...NEGATIVE_COUNTERPARTS, null],
    nullable: true,
    example: null,
  })
  reached!: NegativeCounterpart | null;

  @ApiProperty({ type: () => [CriterionViewDto] })
  criteria!: CriterionViewDto[];
}

export class CustomerLoyaltyResponseDto extends LoyaltyViewDto {
  @ApiProperty({ example: 'cust-000042' })
  customerId!: string;
}
