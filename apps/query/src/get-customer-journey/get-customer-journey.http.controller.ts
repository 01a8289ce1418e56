import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiCustomerErrors } from '../common/api-errors';
import { CustomerPathDto, CustomerQueryRequestDto } from '../common/request.dto';
import { GetCustomerJourneyQuery } from './get-customer-journey.query';
import { CustomerJourneyResponseDto } from './get-customer-journey.response.dto';
import { RequireScope } from '@cx/platform';

@ApiTags('customers')
@RequireScope('customers:read')
@Controller('v1/customers')
export class GetCustomerJourneyHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':customerId/journey')
  @ApiOperation({
    operationId: 'getCustomerJourney',
    summary: "A customer's lifecycle journey",
    description:
      'Stage, phase and status, with the stage history: when each stage was entered and left, and time spent in each.',
  })
  @ApiOkResponse({ type: CustomerJourneyResponseDto })
  @ApiCustomerErrors()
  journey(
    @Param() path: CustomerPathDto,
    @Query() query: CustomerQueryRequestDto,
  ): Promise<CustomerJourneyResponseDto> {
    return this.queryBus.execute(new GetCustomerJourneyQuery(path.customerId, query));
  }
}
