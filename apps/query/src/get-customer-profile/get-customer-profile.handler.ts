import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadModelQueries } from '@cx/read-models';
import { readCustomer } from '../common/read-customer';
import { ProjectionWaiter } from '../infrastructure/projection-waiter';
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

  async execute(query: GetCustomerProfileQuery): Promise<CustomerProfileResponseDto> {
    const found = await readCustomer(this.waiter, query, (id) => this.readModels.findCustomer(id));
    return found.profile;
  }
}
