import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadModelQueries } from '@cx/persistence/read-models/read-model.queries';
import { ProjectionWaiter } from '../infrastructure/projection-waiter';
import { readFromStore } from '../infrastructure/store-availability';
import { QueryException } from '../query.exception';
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

  async execute({
    customerId,
    consistency,
  }: GetCustomerJourneyQuery): Promise<CustomerJourneyResponseDto> {
    await this.waiter.awaitApplied(consistency);
    const found = await readFromStore(() => this.readModels.findCustomer(customerId));
    if (found === null) throw QueryException.customerNotFound(customerId);
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
