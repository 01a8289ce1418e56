import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '@cx/platform';
import { GetCustomerValueQuery } from '../analytics/analytics.queries';
import { CustomerValueResponseDto } from '../analytics/analytics.response.dto';
import { ApiCustomerErrors } from '../common/api-errors';
import { CustomerPathDto, CustomerQueryRequestDto } from '../common/request.dto';

@ApiTags('customers')
@RequireScope('customers:read')
@Controller('v1/customers')
export class GetCustomerValueHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':customerId/value')
  @ApiOperation({
    operationId: 'getCustomerValue',
    summary: "A customer's lifetime value to date, per currency",
    description:
      'The sum of the purchases and repurchases that carry a value and that the analytics count ' +
      "(the customer's consents decide), per currency.",
  })
  @ApiOkResponse({ type: CustomerValueResponseDto })
  @ApiCustomerErrors()
  value(
    @Param() path: CustomerPathDto,
    @Query() query: CustomerQueryRequestDto,
  ): Promise<CustomerValueResponseDto> {
    return this.queryBus.execute(new GetCustomerValueQuery(path.customerId, query));
  }
}
