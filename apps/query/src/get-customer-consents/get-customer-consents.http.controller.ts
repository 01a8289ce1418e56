import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { currentConsents, orderConsentChanges, type ConsentStatus } from '@cx/domain';
import { ConsentStore } from '@cx/event-store';
import { RequireScope } from '@cx/platform';
import { ApiCustomerErrors } from '../common/api-errors';
import { CustomerPathDto } from '../common/request.dto';
import { readFromStore } from '../infrastructure/store-availability';

class ConsentStandingDto {
  @ApiProperty({ example: 'analytics' }) purpose!: string;
  @ApiProperty({ enum: ['granted', 'withdrawn'], example: 'withdrawn' }) status!: ConsentStatus;
  @ApiProperty({ example: '2025-06-01T10:00:00.000Z' }) effectiveAt!: string;
}

class ConsentChangeDto extends ConsentStandingDto {
  @ApiProperty({ example: 'crm-consent-88121' }) consentId!: string;
  @ApiProperty({ example: 17 }) position!: number;
  @ApiProperty({ example: '2025-06-01T10:00:02.000Z' }) recordedAt!: string;
  @ApiProperty({ type: String, nullable: true, example: 'crm' }) source!: string | null;
}

class CustomerConsentsDto {
  @ApiProperty({ example: 'cust-000042' }) customerId!: string;

  @ApiProperty({
    type: () => [ConsentStandingDto],
    description: 'Where the customer stands now, by purpose.',
  })
  current!: ConsentStandingDto[];

  @ApiProperty({ type: () => [ConsentChangeDto], description: 'Every change, as recorded.' })
  history!: ConsentChangeDto[];
}

@ApiTags('consent')
@RequireScope('customers:read')
@Controller('v1/customers')
export class GetCustomerConsentsHttpController {
  constructor(private readonly store: ConsentStore) {}

  @Get(':customerId/consents')
  @ApiOperation({
    operationId: 'getCustomerConsents',
    summary: "A customer's consent: the standing per purpose and every change",
    description:
      'Empty lists for a customer who never recorded one: every touchpoint of theirs counts.',
  })
  @ApiOkResponse({ type: CustomerConsentsDto })
  @ApiCustomerErrors()
  async consents(@Param() path: CustomerPathDto): Promise<CustomerConsentsDto> {
    const history = await readFromStore(() => this.store.history(path.customerId));
    return {
      customerId: path.customerId,
      current: currentConsents(orderConsentChanges(history)),
      history,
    };
  }
}
