import { ApiProperty } from '@nestjs/swagger';
import type { RecordResult } from './record-touchpoint.command';

export class RecordTouchpointResponseDto implements RecordResult {
  @ApiProperty({ example: 'tp-2025-000001' })
  touchpointId!: string;

  @ApiProperty({
    enum: ['accepted', 'duplicate'],
    example: 'accepted',
    description:
      'duplicate: the same payload was already stored; nothing new was stored or published.',
  })
  status!: 'accepted' | 'duplicate';

  @ApiProperty({ example: 1042, description: 'Position of the stored event in the event store.' })
  position!: number;
}
