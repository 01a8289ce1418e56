import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiCustomerErrors } from '../common/api-errors';
import { CustomerPathDto, CustomerQueryRequestDto } from '../common/request.dto';
import { GetCustomerProfileQuery } from './get-customer-profile.query';
import { CustomerProfileResponseDto } from './get-customer-profile.response.dto';
import { RequireScope } from '@cx/platform';

@ApiTags('customers')
@RequireScope('customers:read')
@Controller('v1/customers')
export class GetCustomerProfileHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':customerId')
  @ApiOperation({
    operationId: 'getCustomerProfile',
    summary: "A customer's profile",
    description:
      'Stage, phase, status, emotion and loyalty: the same JSON as a line of `cx derive`.',
  })
  @ApiOkResponse({ type: CustomerProfileResponseDto })
  @ApiCustomerErrors()
  profile(
    @Param() path: CustomerPathDto,
    @Query() query: CustomerQueryRequestDto,
  ): Promise<CustomerProfileResponseDto> {
    return this.queryBus.execute(new GetCustomerProfileQuery(path.customerId, query));
  }
}
