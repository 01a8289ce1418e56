import { Query } from '@nestjs/cqrs';
import type { Consistency } from '../infrastructure/projection-waiter';
import type { CustomerLoyaltyResponseDto } from './get-customer-loyalty.response.dto';

export class GetCustomerLoyaltyQuery extends Query<CustomerLoyaltyResponseDto> {
  constructor(
    readonly customerId: string,
    readonly consistency: Consistency,
  ) {
    super();
  }
}
