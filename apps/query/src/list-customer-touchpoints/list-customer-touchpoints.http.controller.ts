import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiCustomerErrors } from '../common/api-errors';
import { CustomerPathDto, ListTouchpointsRequestDto } from '../common/request.dto';
import { ListCustomerTouchpointsQuery } from './list-customer-touchpoints.query';
import { CustomerTimelineResponseDto } from './list-customer-touchpoints.response.dto';
import { Audited, CurrentPrincipal, RequireScope, type Principal } from '@cx/platform';

@ApiTags('customers')
@RequireScope('customers:read')
@Controller('v1/customers')
export class ListCustomerTouchpointsHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':customerId/touchpoints')
  @Audited('personal.read', { personalOnly: true })
  @ApiOperation({
    operationId: 'listCustomerTouchpoints',
    summary: "A customer's touchpoints, newest first",
    description:
      'From the event store, cursor-paginated (limit 1–200, default 50). Personal fields are decrypted; ' +
      'null once the customer has been forgotten. 404 when the customer has no touchpoint.',
  })
  @ApiOkResponse({ type: CustomerTimelineResponseDto })
  @ApiCustomerErrors()
  touchpoints(
    @Param() path: CustomerPathDto,
    @Query() query: ListTouchpointsRequestDto,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CustomerTimelineResponseDto> {
    const { limit, cursor, ...consistency } = query;
    return this.queryBus.execute(
      new ListCustomerTouchpointsQuery(
        path.customerId,
        { limit, ...(cursor === undefined ? {} : { cursor }) },
        consistency,
        principal.scopes.has('personal:read'),
      ),
    );
  }
}
