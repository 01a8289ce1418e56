import { ApiProperty } from '@nestjs/swagger';
import type { ErasureReceipt, ErasureStep } from '@cx/read-models';

export class ErasureStepDto implements ErasureStep {
  @ApiProperty({ example: 'key store (customer_keys)' })
  where!: string;

  @ApiProperty({ example: 'data key 0b8c… destroyed at 2026-12-02T10:00:00.000Z' })
  what!: string;
}

export class ErasureReceiptDto implements ErasureReceipt {
  @ApiProperty({ example: '5f0c6c1e-8d6b-4f0e-9d61-0c8f3d1b2a77' })
  erasureId!: string;

  @ApiProperty({ example: 'cust-000042' })
  customerId!: string;

  @ApiProperty({ example: 'first admin (npm start)', description: 'The credential that asked.' })
  requestedBy!: string;

  @ApiProperty({ example: '2026-12-02T10:00:00.000Z' })
  erasedAt!: string;

  @ApiProperty({ example: '2026-12-02T10:00:00.120Z' })
  completedAt!: string;

  @ApiProperty({ type: () => [ErasureStepDto], description: 'What was done, where.' })
  steps!: ErasureStepDto[];

  @ApiProperty({ type: [String], description: 'What stays, because it is not personal data.' })
  kept!: string[];

  @ApiProperty({ description: 'The one copy the erasure cannot reach.' })
  caveat!: string;
}

export class ReadmissionDto {
  @ApiProperty({ example: 'cust-000042' })
  customerId!: string;

  @ApiProperty({
    example: true,
    description:
      'True: touchpoints are taken again, under a new key (what was erased stays unreadable).',
  })
  readmitted!: boolean;
}
