import { Query } from '@nestjs/cqrs';
import type { Consistency } from '../infrastructure/projection-waiter';
import type { CustomerProfileResponseDto } from './get-customer-profile.response.dto';

export class GetCustomerProfileQuery extends Query<CustomerProfileResponseDto> {
  constructor(
    readonly customerId: string,
    readonly consistency: Consistency,
  ) {
    super();
  }
}
