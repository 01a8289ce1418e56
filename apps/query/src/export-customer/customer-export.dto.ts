import { ApiProperty } from '@nestjs/swagger';
import type { CustomerProfile, StageHistory } from '@cx/domain';
import type { StoredTouchpoint } from '@cx/event-store';

export class CustomerExportDto {
  @ApiProperty({ example: 'cust-000042' })
  customerId!: string;

  @ApiProperty({ example: '2026-12-02T10:00:00.000Z' })
  exportedAt!: string;

  @ApiProperty({
    type: Object,
    nullable: true,
    description:
      'The profile as GET /v1/customers/{id} answers it; null before the first projection.',
  })
  profile!: CustomerProfile | null;

  @ApiProperty({
    type: Object,
    nullable: true,
    description: 'Stage history, as the journey answers it.',
  })
  stageHistory!: StageHistory | null;

  @ApiProperty({
    type: Object,
    isArray: true,
    description:
      'Every stored touchpoint, oldest first: { position, recordedAt, personalData, touchpoint } with text ' +
      'and attributes decrypted while the customer key exists (personalData "forgotten" after an erasure).',
  })
  touchpoints!: StoredTouchpoint[];
}
