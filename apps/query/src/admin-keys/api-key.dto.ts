import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { apiKeyStatus, type ApiKeyRecord } from '@cx/event-store';
import { SCOPES, type Scope } from '@cx/platform';

export class KeyPathDto {
  @ApiProperty({ example: '3f9c2a7b1d4e5f60', description: 'The id inside the key: cxk_<keyId>_…' })
  @Matches(/^[0-9a-f]{16}$/, { message: 'must be 16 hexadecimal characters' })
  keyId!: string;
}

export class CreateApiKeyRequestDto {
  @ApiProperty({ example: 'crm-sync', description: 'Who uses the key (1–100 characters).' })
  @IsString({ message: 'must be a string' })
  @Matches(/^[^\p{Cc}]{1,100}$/u, { message: 'must be 1 to 100 characters, no control characters' })
  name!: string;

  @ApiProperty({
    enum: SCOPES,
    isArray: true,
    example: ['customers:read'],
    description: 'What the key may do; personal:read decrypts personal fields in answers.',
  })
  @IsArray({ message: 'must be an array of scopes' })
  @ArrayMinSize(1, { message: 'must name at least one scope' })
  @ArrayMaxSize(SCOPES.length, { message: `must name at most ${SCOPES.length} scopes` })
  @IsIn(SCOPES, { each: true, message: `each must be one of ${SCOPES.join(', ')}` })
  scopes!: Scope[];

  @ApiPropertyOptional({
    example: '2027-06-30T00:00:00Z',
    description: 'When the key stops working; never when absent.',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 instant' })
  @MaxLength(40, { message: 'must be an ISO 8601 instant' })
  expiresAt?: string;
}

export class RotateApiKeyRequestDto {
  @ApiPropertyOptional({
    example: 3600,
    minimum: 0,
    maximum: 2_592_000,
    description: 'How long the old key keeps working, in seconds (default 0: retired at once).',
  })
  @IsOptional()
  @IsInt({ message: 'must be an integer from 0 to 2592000' })
  @Min(0, { message: 'must be an integer from 0 to 2592000' })
  @Max(2_592_000, { message: 'must be an integer from 0 to 2592000' })
  graceSeconds?: number;
}

export class ApiKeyDto {
  @ApiProperty({ example: '3f9c2a7b1d4e5f60' })
  keyId!: string;

  @ApiProperty({ example: 'crm-sync' })
  name!: string;

  @ApiProperty({ enum: SCOPES, isArray: true, example: ['customers:read'] })
  scopes!: readonly string[];

  @ApiProperty({ enum: ['active', 'expired', 'revoked'], example: 'active' })
  status!: 'active' | 'expired' | 'revoked';

  @ApiProperty({ example: '2026-12-02T10:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ type: String, nullable: true, example: null })
  expiresAt!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  revokedAt!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '2026-12-02T10:05:00.000Z',
    description: 'Recorded at most once a minute per service instance.',
  })
  lastUsedAt!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    description: 'The key this one replaced by rotation.',
  })
  rotatedFrom!: string | null;
}

export class IssuedApiKeyDto extends ApiKeyDto {
  @ApiProperty({
    example: 'cxk_3f9c2a7b1d4e5f60_q0Zb1G8…',
    description: 'The key itself: shown this once, only its digest is stored.',
  })
  key!: string;
}

export class ApiKeyListDto {
  @ApiProperty({ type: () => [ApiKeyDto], description: 'Newest first, revoked keys included.' })
  items!: ApiKeyDto[];
}

export function toApiKeyDto(record: ApiKeyRecord, now = Date.now()): ApiKeyDto {
  return { ...record, status: apiKeyStatus(record, now) };
}
