import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadModelQueries } from '@cx/read-models';
import { decodeCursor, encodeCursor } from '../common/page-cursor';
import { ProjectionWaiter } from '../infrastructure/projection-waiter';
import { readFromStore } from '../infrastructure/store-availability';
import { ListCustomersQuery } from './list-customers.query';
import type { CustomerListResponseDto } from './list-customers.response.dto';

@QueryHandler(ListCustomersQuery)
export class ListCustomersHandler implements IQueryHandler<
  ListCustomersQuery,
  CustomerListResponseDto
> {
  constructor(
    private readonly readModels: ReadModelQueries,
    private readonly waiter: ProjectionWaiter,
  ) {}

  async execute({ criteria, consistency }: ListCustomersQuery): Promise<CustomerListResponseDto> {
    await this.waiter.awaitApplied('all', consistency);
    const { cursor, limit, ...filters } = criteria;
    const after = cursor === undefined ? null : decodeCursor('customers', cursor);
    const rows = await readFromStore(() =>
      this.readModels.listCustomers({
        ...filters,
        ...(after === null ? {} : { afterCustomerId: after }),
        limit: limit + 1,
      }),
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor:
        rows.length > limit && last !== undefined
          ? encodeCursor('customers', last.customerId)
          : null,
    };
  }
}
