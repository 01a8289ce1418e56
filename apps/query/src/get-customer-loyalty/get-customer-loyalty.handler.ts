import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadModelQueries } from '@cx/persistence/read-models/read-model.queries';
import { ProjectionWaiter } from '../infrastructure/projection-waiter';
import { readFromStore } from '../infrastructure/store-availability';
import { QueryException } from '../query.exception';
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

  async execute({
    customerId,
    consistency,
  }: GetCustomerLoyaltyQuery): Promise<CustomerLoyaltyResponseDto> {
    await this.waiter.awaitApplied(consistency);
    const found = await readFromStore(() => this.readModels.findCustomer(customerId));
    if (found === null) throw QueryException.customerNotFound(customerId);
    return { customerId, ...found.profile.loyalty };
  }
}
