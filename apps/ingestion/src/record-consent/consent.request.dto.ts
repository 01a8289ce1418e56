import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches, ValidateBy } from 'class-validator';
import { CONSENT_STATUSES, type ConsentStatus } from '@cx/domain';
import { parseIsoInstant, TOUCHPOINT_LIMITS as L } from '@cx/contracts';

export class CustomerConsentPathDto {
  @ApiProperty({ example: 'cust-000042' })
  @Matches(L.idPattern, { message: 'must be 1 to 128 of A-Z a-z 0-9 . _ : -' })
  @Matches(/^.{1,128}$/s, { message: 'must be 1 to 128 of A-Z a-z 0-9 . _ : -' })
  customerId!: string;
}

export class ConsentRequestDto {
  @ApiProperty({
    example: 'crm-consent-88121',
    description:
      'Names the change: the same change sent again is a duplicate, another one under this id a 409.',
  })
  @Matches(/^[A-Za-z0-9._:-]{1,128}$/, { message: 'must be 1 to 128 of A-Z a-z 0-9 . _ : -' })
  consentId!: string;

  @ApiProperty({
    example: 'analytics',
    description: 'The purpose, as touchpoints name it in purposes.',
  })
  @Matches(L.purposePattern, {
    message: 'must be 1 to 64 characters from a-z 0-9 _ . - starting with a letter',
  })
  purpose!: string;

  @ApiProperty({ enum: CONSENT_STATUSES, example: 'withdrawn' })
  @IsIn(CONSENT_STATUSES, { message: `must be one of ${CONSENT_STATUSES.join(', ')}` })
  status!: ConsentStatus;

  @ApiProperty({
    example: '2025-06-01T10:00:00Z',
    description: 'From when it holds: touchpoints that happened from then on follow it.',
  })
  @ValidateBy({
    name: 'isIsoInstant',
    validator: {
      validate: (v: unknown) => typeof v === 'string' && parseIsoInstant(v) !== null,
      defaultMessage: () => 'must be an ISO-8601 instant with a time zone',
    },
  })
  effectiveAt!: string;

  @ApiPropertyOptional({ example: 'crm', description: 'The system that reported it.' })
  @IsOptional()
  @Matches(/^[^\p{Cc}]{1,128}$/u, { message: 'must be 1 to 128 characters, no control characters' })
  source?: string;
}

export class ConsentResponseDto {
  @ApiProperty({ example: 'crm-consent-88121' })
  consentId!: string;

  @ApiProperty({ enum: ['accepted', 'duplicate'], example: 'accepted' })
  status!: 'accepted' | 'duplicate';

  @ApiProperty({ example: 17, description: 'Position among consent events.' })
  position!: number;
}
