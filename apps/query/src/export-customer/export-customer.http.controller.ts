import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EventStore, type StoredTouchpoint } from '@cx/event-store';
import { ReadModelQueries } from '@cx/read-models';
import { Audited, RequireScope } from '@cx/platform';
import { ApiCustomerErrors } from '../common/api-errors';
import { CustomerPathDto } from '../common/request.dto';
import { readFromStore } from '../infrastructure/store-availability';
import { customerNotFound } from '../query.exception';
import { CustomerExportDto } from './customer-export.dto';

/** Pages of the event store read at a time; an export holds every touchpoint of one customer. */
const PAGE = 1000;

/** The right of access: everything held about one customer, as one document. */
@ApiTags('privacy')
@Controller('v1/customers')
export class ExportCustomerHttpController {
  constructor(
    private readonly store: EventStore,
    private readonly readModels: ReadModelQueries,
  ) {}

  @Get(':customerId/export')
  @RequireScope('admin', 'personal:read')
  @Audited('customer.export')
  @ApiOperation({
    operationId: 'exportCustomer',
    summary: 'Everything held about one customer, personal fields decrypted',
    description:
      'Every touchpoint oldest first (personal fields decrypted while the customer key exists), the profile ' +
      'and the stage history, in one JSON document. Scope admin or personal:read; every export is audited.',
  })
  @ApiOkResponse({ type: CustomerExportDto })
  @ApiCustomerErrors()
  async export(@Param() path: CustomerPathDto): Promise<CustomerExportDto> {
    const { customerId } = path;
    const touchpoints: StoredTouchpoint[] = [];
    let before: number | undefined;
    for (;;) {
      const page = await readFromStore(() =>
        this.store.readCustomerTimeline(customerId, {
          limit: PAGE,
          ...(before === undefined ? {} : { before }),
        }),
      );
      touchpoints.push(...page);
      if (page.length < PAGE) break;
      before = page[page.length - 1]?.position;
    }
    const readModel = await readFromStore(() => this.readModels.findCustomer(customerId));
    if (touchpoints.length === 0 && readModel === null) throw customerNotFound(customerId);
    return {
      customerId,
      exportedAt: new Date().toISOString(),
      profile: readModel?.profile ?? null,
      stageHistory: readModel?.stageHistory ?? null,
      touchpoints: touchpoints.reverse(),
    };
  }
}
