import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadModelQueries } from '@cx/persistence/read-models/read-model.queries';
import { ProjectionWaiter } from '../infrastructure/projection-waiter';
import { readFromStore } from '../infrastructure/store-availability';
import { QueryException } from '../query.exception';
import { GetCustomerProfileQuery } from './get-customer-profile.query';
import type { CustomerProfileResponseDto } from './get-customer-profile.response.dto';

@QueryHandler(GetCustomerProfileQuery)
export class GetCustomerProfileHandler implements IQueryHandler<
  GetCustomerProfileQuery,
  CustomerProfileResponseDto
> {
  constructor(
    private readonly readModels: ReadModelQueries,
    private readonly waiter: ProjectionWaiter,
  ) {}

  async execute({
    customerId,
    consistency,
  }: GetCustomerProfileQuery): Promise<CustomerProfileResponseDto> {
    await this.waiter.awaitApplied(consistency);
    const found = await readFromStore(() => this.readModels.findCustomer(customerId));
    if (found === null) throw QueryException.customerNotFound(customerId);
    return found.profile;
  }
}
