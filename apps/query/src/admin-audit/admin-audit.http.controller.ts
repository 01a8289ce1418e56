import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditLog } from '@cx/event-store';
import { Audited, RequireScope } from '@cx/platform';
import { ApiListErrors } from '../common/api-errors';
import { decodeCursor, encodeCursor } from '../common/page-cursor';
import { AuditPageDto, ListAuditRequestDto } from './audit.dto';

/** Who read personal data and who acted as admin: the audit log, for admins. */
@ApiTags('admin')
@RequireScope('admin')
@Controller('v1/admin/audit')
export class AdminAuditHttpController {
  constructor(private readonly audit: AuditLog) {}

  @Get()
  @Audited('audit.read')
  @ApiOperation({
    operationId: 'listAuditEntries',
    summary: 'Reads of personal data and admin actions, newest first',
    description:
      'Filter by customer, credential or action; cursor-paginated (limit 1–200, default 50).',
  })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiListErrors()
  async list(@Query() query: ListAuditRequestDto): Promise<AuditPageDto> {
    const before =
      query.cursor === undefined ? undefined : Number(decodeCursor('audit', query.cursor));
    const rows = await this.audit.list({
      limit: query.limit + 1,
      ...(query.customerId === undefined ? {} : { customerId: query.customerId }),
      ...(query.actorId === undefined ? {} : { actorId: query.actorId }),
      ...(query.action === undefined ? {} : { action: query.action }),
      ...(before === undefined ? {} : { before }),
    });
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        rows.length > query.limit && last !== undefined ? encodeCursor('audit', last.id) : null,
    };
  }
}
