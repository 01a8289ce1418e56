import { Query } from '@nestjs/cqrs';
import type { Consistency } from '../infrastructure/projection-waiter';
import type { CustomerJourneyResponseDto } from './get-customer-journey.response.dto';

export class GetCustomerJourneyQuery extends Query<CustomerJourneyResponseDto> {
  constructor(
    readonly customerId: string,
    readonly consistency: Consistency,
  ) {
    super();
  }
}
