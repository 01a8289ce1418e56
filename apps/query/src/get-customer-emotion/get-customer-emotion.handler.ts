import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadModelQueries } from '@cx/read-models';
import { readCustomer } from '../common/read-customer';
import { ProjectionWaiter } from '../infrastructure/projection-waiter';
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

  async execute(query: GetCustomerEmotionQuery): Promise<CustomerEmotionResponseDto> {
    const found = await readCustomer(this.waiter, query, (id) =>
      this.readModels.findCustomerWithTouchpoints(id),
    );
    const { customerId } = query;
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
