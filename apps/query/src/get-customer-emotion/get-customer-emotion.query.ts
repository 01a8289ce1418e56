import { Query } from '@nestjs/cqrs';
import type { Consistency } from '../infrastructure/projection-waiter';
import type { CustomerEmotionResponseDto } from './get-customer-emotion.response.dto';

export class GetCustomerEmotionQuery extends Query<CustomerEmotionResponseDto> {
  constructor(
    readonly customerId: string,
    readonly consistency: Consistency,
  ) {
    super();
  }
}
