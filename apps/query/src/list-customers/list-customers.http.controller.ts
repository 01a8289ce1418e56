import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiListErrors } from '../common/api-errors';
import { ListCustomersRequestDto } from '../common/request.dto';
import { ListCustomersQuery } from './list-customers.query';
import { CustomerListResponseDto } from './list-customers.response.dto';
import { RequireScope } from '@cx/platform';

@ApiTags('customers')
@RequireScope('customers:read')
@Controller('v1/customers')
export class ListCustomersHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  @ApiOperation({
    operationId: 'listCustomers',
    summary: 'Customers by stage, status and emotion level',
    description:
      'Worklists for CX teams (everyone at_risk, everyone in advocacy…): every given filter must match. ' +
      'Keyset-paginated by customerId (limit 1–200, default 50): no customer is skipped or repeated across pages.',
  })
  @ApiOkResponse({ type: CustomerListResponseDto })
  @ApiListErrors()
  list(@Query() query: ListCustomersRequestDto): Promise<CustomerListResponseDto> {
    const { minPosition, waitMs, ...criteria } = query;
    return this.queryBus.execute(new ListCustomersQuery(criteria, { minPosition, waitMs }));
  }
}
