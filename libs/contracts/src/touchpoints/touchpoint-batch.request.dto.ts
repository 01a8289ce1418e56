import { ApiProperty } from '@nestjs/swagger';
import { TouchpointRequestDto } from './touchpoint.request.dto';
import { TOUCHPOINT_LIMITS } from './touchpoint-limits';

/**
 * A batch, validated as a whole by `parseTouchpointBatch`: one bad item refuses the batch.
 * Items are checked one by one with `parseTouchpoint` so that each issue names its item.
 */
export class TouchpointBatchRequestDto {
  @ApiProperty({
    type: () => [TouchpointRequestDto],
    minItems: 1,
    maxItems: TOUCHPOINT_LIMITS.batchMaxItems,
    description: `1 to ${TOUCHPOINT_LIMITS.batchMaxItems} touchpoints, stored in one transaction or not at all.`,
  })
  touchpoints!: TouchpointRequestDto[];
}
