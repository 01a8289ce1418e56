import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiCustomerErrors } from '../common/api-errors';
import { CustomerPathDto, CustomerQueryRequestDto } from '../common/request.dto';
import { GetCustomerEmotionQuery } from './get-customer-emotion.query';
import { CustomerEmotionResponseDto } from './get-customer-emotion.response.dto';
import { RequireScope } from '@cx/platform';

@ApiTags('customers')
@RequireScope('customers:read')
@Controller('v1/customers')
export class GetCustomerEmotionHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':customerId/emotion')
  @ApiOperation({
    operationId: 'getCustomerEmotion',
    summary: "A customer's emotion level",
    description:
      'Level, score, feeling / recall / impact, and every signal behind the score with its valence and weight.',
  })
  @ApiOkResponse({ type: CustomerEmotionResponseDto })
  @ApiCustomerErrors()
  emotion(
    @Param() path: CustomerPathDto,
    @Query() query: CustomerQueryRequestDto,
  ): Promise<CustomerEmotionResponseDto> {
    return this.queryBus.execute(new GetCustomerEmotionQuery(path.customerId, query));
  }
}
