import { ApiProperty } from '@nestjs/swagger';
import type { BatchItemResult, RecordBatchResult } from './record-touchpoint-batch.command';

export class BatchItemResultDto implements BatchItemResult {
  @ApiProperty({ example: 'tp-2025-000001' })
  touchpointId!: string;

  @ApiProperty({
    enum: ['accepted', 'duplicate', 'conflict'],
    example: 'accepted',
    description: 'conflict: the id is stored with another payload; this item was not applied.',
  })
  status!: 'accepted' | 'duplicate' | 'conflict';

  @ApiProperty({ example: 1042, nullable: true, type: 'integer' })
  position!: number | null;
}

export class BatchSummaryDto {
  @ApiProperty({ example: 998 }) accepted!: number;
  @ApiProperty({ example: 2 }) duplicate!: number;
  @ApiProperty({ example: 0 }) conflict!: number;
}

export class RecordTouchpointBatchResponseDto implements RecordBatchResult {
  @ApiProperty({
    type: () => [BatchItemResultDto],
    description: 'One result per item, in request order.',
  })
  results!: BatchItemResultDto[];

  @ApiProperty({ type: () => BatchSummaryDto })
  summary!: BatchSummaryDto;
}
