import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CustomerPathDto, CustomerQueryRequestDto } from '../common/request.dto';
import { ApiCustomerErrors } from '../common/api-errors';
import { GetCustomerLoyaltyQuery } from './get-customer-loyalty.query';
import { CustomerLoyaltyResponseDto } from './get-customer-loyalty.response.dto';
import { RequireScope } from '@cx/platform';

@ApiTags('customers')
@RequireScope('customers:read')
@Controller('v1/customers')
export class GetCustomerLoyaltyHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':customerId/loyalty')
  @ApiOperation({
    operationId: 'getCustomerLoyalty',
    summary: "A customer's loyalty criteria",
    description:
      'Side, position, the negative counterpart reached, and each criterion with the touchpoints that decided it.',
  })
  @ApiOkResponse({ type: CustomerLoyaltyResponseDto })
  @ApiCustomerErrors()
  loyalty(
    @Param() path: CustomerPathDto,
    @Query() query: CustomerQueryRequestDto,
  ): Promise<CustomerLoyaltyResponseDto> {
    return this.queryBus.execute(new GetCustomerLoyaltyQuery(path.customerId, query));
  }
}
