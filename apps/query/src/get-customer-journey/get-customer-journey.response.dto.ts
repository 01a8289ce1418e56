import { ApiProperty } from '@nestjs/swagger';
import {
  LIFECYCLE_STATUSES,
  PHASES,
  STAGES,
  type LifecycleStatus,
  type Phase,
  type Stage,
  type StageHistoryEntry,
} from '@cx/domain';

export class StageHistoryEntryDto implements StageHistoryEntry {
  @ApiProperty({ enum: STAGES, example: 'selection' })
  stage!: Stage;

  @ApiProperty({ example: '2025-02-01T09:00:00.000Z' })
  enteredAt!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'null while the customer is at this stage.',
  })
  leftAt!: string | null;

  @ApiProperty({ example: 'tp-2025-000009', description: 'The touchpoint that caused the change.' })
  causedBy!: string;

  @ApiProperty({ enum: STAGES, nullable: true, example: 'consideration' })
  from!: Stage | null;
}

export class CustomerJourneyResponseDto {
  @ApiProperty({ example: 'cust-000042' })
  customerId!: string;

  @ApiProperty({ enum: STAGES, example: 'selection' })
  stage!: Stage;

  @ApiProperty({ enum: PHASES, example: 'purchase' })
  phase!: Phase;

  @ApiProperty({ enum: LIFECYCLE_STATUSES, example: 'active' })
  status!: LifecycleStatus;

  @ApiProperty({
    type: () => [StageHistoryEntryDto],
    description: 'Every stage change, oldest first.',
  })
  stageHistory!: StageHistoryEntryDto[];

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'number' },
    example: {
      awareness: 86400,
      knowledge: 0,
      consideration: 0,
      selection: 3600,
      satisfaction: 0,
      loyalty: 0,
      advocacy: 0,
    },
    description:
      'Seconds spent per stage; the current stage runs to the latest touchpoint, never to the clock.',
  })
  secondsInStage!: Record<Stage, number>;

  @ApiProperty({
    example: 1042,
    description: 'Event-store position of the latest event applied to this customer.',
  })
  lastPosition!: number;
}
