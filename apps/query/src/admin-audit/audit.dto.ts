import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import type { StoredAuditEntry } from '@cx/event-store';
import {
  IsCustomerId,
  PageCursorParam,
  PageLimitParam,
  PAGE_LIMIT,
} from '../common/request-validation';

export class ListAuditRequestDto {
  @ApiPropertyOptional({ example: 'cust-000042', description: 'Entries about this customer.' })
  @IsOptional()
  @IsCustomerId()
  customerId?: string;

  @ApiPropertyOptional({
    example: 'key:3f9c2a7b1d4e5f60',
    description: 'Entries of this credential: key:<keyId> or jwt:<issuer>#<subject>.',
  })
  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,300}$/, { message: 'must be a credential id such as key:<keyId>' })
  actorId?: string;

  @ApiPropertyOptional({
    example: 'personal.read',
    description:
      'personal.read, customer.export, customer.erase, customer.readmit, keys.list, keys.create, keys.rotate, keys.revoke, audit.read',
  })
  @IsOptional()
  @Matches(/^[a-z]+\.[a-z]+$/, { message: 'must be an action such as personal.read' })
  action?: string;

  @PageLimitParam()
  limit: number = PAGE_LIMIT.default;

  @PageCursorParam('audit')
  cursor?: string;
}

export class AuditEntryDto implements StoredAuditEntry {
  @ApiProperty({ example: 1042 }) id!: number;
  @ApiProperty({ example: '2026-12-02T10:00:00.000Z' }) at!: string;
  @ApiProperty({ example: 'key:3f9c2a7b1d4e5f60' }) actorId!: string;
  @ApiProperty({ example: 'crm-sync' }) actorName!: string;
  @ApiProperty({ example: 'personal.read' }) action!: string;
  @ApiProperty({ example: 'GET' }) method!: string;
  @ApiProperty({ example: '/v1/customers/cust-000042/touchpoints' }) path!: string;
  @ApiProperty({ type: String, nullable: true, example: 'cust-000042' }) customerId!: string | null;
  @ApiProperty({ example: 200, description: 'The status answered.' }) status!: number;
}

export class AuditPageDto {
  @ApiProperty({ type: () => [AuditEntryDto], description: 'Newest first.' })
  items!: AuditEntryDto[];

  @ApiProperty({ type: String, nullable: true, example: null })
  nextCursor!: string | null;
}
