import { Query } from '@nestjs/cqrs';
import type { EmotionLevel, LifecycleStatus, Stage } from '@cx/domain';
import type { Consistency } from '../infrastructure/projection-waiter';
import type { CustomerListResponseDto } from './list-customers.response.dto';

export interface CustomerListCriteria {
  readonly stage?: Stage;
  readonly status?: LifecycleStatus;
  readonly emotion?: EmotionLevel;
  readonly limit: number;
  readonly cursor?: string;
}

/** A CX team's worklist: customers filtered by the read model, keyset-paginated by customerId. */
export class ListCustomersQuery extends Query<CustomerListResponseDto> {
  constructor(
    readonly criteria: CustomerListCriteria,
    readonly consistency: Consistency,
  ) {
    super();
  }
}
