import { ApiProperty } from '@nestjs/swagger';
import type { Touchpoint } from '@cx/domain';
import { TouchpointRequestDto } from '@cx/contracts';

/** A stored touchpoint with its personal fields put back, or null where they cannot be any more. */
export type TimelineTouchpoint = Omit<Touchpoint, 'text' | 'attributes'> & {
  readonly text: string | null;
  readonly attributes: Touchpoint['attributes'] | null;
};

export class TimelineItemDto {
  @ApiProperty({ example: 1042, description: 'Position in the event store.' })
  position!: number;

  @ApiProperty({
    example: '2025-01-03T10:00:01.234Z',
    description: 'When the event store committed it.',
  })
  recordedAt!: string;

  @ApiProperty({
    enum: ['none', 'readable', 'forgotten', 'withheld'],
    example: 'readable',
    description:
      'Personal fields (text, attributes): none sent, decrypted, forgotten (the customer key was ' +
      'crypto-shredded), or withheld (the credential lacks personal:read); text and attributes are ' +
      'null unless readable.',
  })
  personalData!: 'none' | 'readable' | 'forgotten' | 'withheld';

  @ApiProperty({
    type: () => TouchpointRequestDto,
    description:
      'The touchpoint as ingested (normalised); text and attributes are null when absent, forgotten or withheld.',
  })
  touchpoint!: TimelineTouchpoint;
}

export class CustomerTimelineResponseDto {
  @ApiProperty({ example: 'cust-000042' })
  customerId!: string;

  @ApiProperty({ type: () => [TimelineItemDto], description: 'Newest (highest position) first.' })
  items!: TimelineItemDto[];

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'dDE6MTA0MQ',
    description: 'Pass as cursor for the next (older) page; null on the last page.',
  })
  nextCursor!: string | null;
}
