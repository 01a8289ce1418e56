import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadModelQueries } from '@cx/read-models';
import { readCustomer } from '../common/read-customer';
import { ProjectionWaiter } from '../infrastructure/projection-waiter';
import { GetCustomerLoyaltyQuery } from './get-customer-loyalty.query';
import type { CustomerLoyaltyResponseDto } from './get-customer-loyalty.response.dto';

@QueryHandler(GetCustomerLoyaltyQuery)
export class GetCustomerLoyaltyHandler implements IQueryHandler<
  GetCustomerLoyaltyQuery,
  CustomerLoyaltyResponseDto
> {
  constructor(
    private readonly readModels: ReadModelQueries,
    private readonly waiter: ProjectionWaiter,
  ) {}

  async execute(query: GetCustomerLoyaltyQuery): Promise<CustomerLoyaltyResponseDto> {
    const found = await readCustomer(this.waiter, query, (id) => this.readModels.findCustomer(id));
    const { customerId } = query;
    return { customerId, ...found.profile.loyalty };
  }
}
