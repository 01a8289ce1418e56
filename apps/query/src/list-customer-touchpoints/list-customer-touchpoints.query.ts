import { Query } from '@nestjs/cqrs';
import type { Consistency } from '../infrastructure/projection-waiter';
import type { CustomerTimelineResponseDto } from './list-customer-touchpoints.response.dto';

export class ListCustomerTouchpointsQuery extends Query<CustomerTimelineResponseDto> {
  constructor(
    readonly customerId: string,
    readonly page: { readonly limit: number; readonly cursor?: string },
    readonly consistency: Consistency,
    /** Whether the caller holds `personal:read`: without it personal fields stay sealed. */
    readonly readPersonal: boolean,
  ) {
    super();
  }
}
