import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadModelQueries } from '@cx/persistence/read-models/read-model.queries';
import { ProjectionWaiter } from '../infrastructure/projection-waiter';
import { readFromStore } from '../infrastructure/store-availability';
import { QueryException } from '../query.exception';
import { emotionEvidence } from './emotion-evidence';
import { GetCustomerEmotionQuery } from './get-customer-emotion.query';
import type { CustomerEmotionResponseDto } from './get-customer-emotion.response.dto';

@QueryHandler(GetCustomerEmotionQuery)
export class GetCustomerEmotionHandler implements IQueryHandler<
  GetCustomerEmotionQuery,
  CustomerEmotionResponseDto
> {
  constructor(
    private readonly readModels: ReadModelQueries,
    private readonly waiter: ProjectionWaiter,
  ) {}

  async execute({
    customerId,
    consistency,
  }: GetCustomerEmotionQuery): Promise<CustomerEmotionResponseDto> {
    await this.waiter.awaitApplied(consistency);
    const found = await readFromStore(() =>
      this.readModels.findCustomerWithTouchpoints(customerId),
    );
    if (found === null) throw QueryException.customerNotFound(customerId);
    const { level, score, feeling, recall, impact, signals } = found.readModel.profile.emotion;
    return {
      customerId,
      level,
      score,
      feeling,
      recall,
      impact,
      signalCount: signals,
      signals: emotionEvidence(found.touchpoints),
    };
  }
}
