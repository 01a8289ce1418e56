import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadModelQueries } from '@cx/read-models';
import { readCustomer } from '../common/read-customer';
import { ProjectionWaiter } from '../infrastructure/projection-waiter';
import { GetCustomerJourneyQuery } from './get-customer-journey.query';
import type { CustomerJourneyResponseDto } from './get-customer-journey.response.dto';

@QueryHandler(GetCustomerJourneyQuery)
export class GetCustomerJourneyHandler implements IQueryHandler<
  GetCustomerJourneyQuery,
  CustomerJourneyResponseDto
> {
  constructor(
    private readonly readModels: ReadModelQueries,
    private readonly waiter: ProjectionWaiter,
  ) {}

  async execute(query: GetCustomerJourneyQuery): Promise<CustomerJourneyResponseDto> {
    const found = await readCustomer(this.waiter, query, (id) => this.readModels.findCustomer(id));
    const { customerId } = query;
    const { profile, stageHistory, lastPosition } = found;
    return {
      customerId,
      stage: profile.stage,
      phase: profile.phase,
      status: profile.status,
      stageHistory: stageHistory.entries,
      secondsInStage: stageHistory.secondsInStage,
      lastPosition,
    };
  }
}
