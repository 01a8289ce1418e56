import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { EventStore, type StoredTouchpoint } from '@cx/event-store';
import { decodeCursor, encodeCursor } from '../common/page-cursor';
import { ProjectionWaiter } from '../infrastructure/projection-waiter';
import { readFromStore } from '../infrastructure/store-availability';
import { customerNotFound } from '../query.exception';
import { ListCustomerTouchpointsQuery } from './list-customer-touchpoints.query';
import type {
  CustomerTimelineResponseDto,
  TimelineItemDto,
} from './list-customer-touchpoints.response.dto';

function toItem(stored: StoredTouchpoint): TimelineItemDto {
  const { text, attributes, ...rest } = stored.touchpoint;
  return {
    position: stored.position,
    recordedAt: stored.recordedAt,
    personalData: stored.personalData,
    touchpoint: { ...rest, text: text ?? null, attributes: attributes ?? null },
  };
}

/**
 * The timeline comes from the event store itself (the source of truth), decrypted on the way out
 * for callers with `personal:read` only.
 */
@QueryHandler(ListCustomerTouchpointsQuery)
export class ListCustomerTouchpointsHandler implements IQueryHandler<
  ListCustomerTouchpointsQuery,
  CustomerTimelineResponseDto
> {
  constructor(
    private readonly store: EventStore,
    private readonly waiter: ProjectionWaiter,
  ) {}

  async execute({
    customerId,
    page,
    consistency,
    readPersonal,
  }: ListCustomerTouchpointsQuery): Promise<CustomerTimelineResponseDto> {
    await this.waiter.awaitApplied({ customerId }, consistency);
    const before =
      page.cursor === undefined ? undefined : Number(decodeCursor('touchpoints', page.cursor));
    // One more than asked tells whether another page exists without a count.
    const rows = await readFromStore(() =>
      this.store.readCustomerTimeline(customerId, {
        limit: page.limit + 1,
        decrypt: readPersonal,
        ...(before === undefined ? {} : { before }),
      }),
    );
    if (rows.length === 0 && before === undefined) throw customerNotFound(customerId);
    const items = rows.slice(0, page.limit).map(toItem);
    const last = items[items.length - 1];
    return {
      customerId,
      items,
      nextCursor:
        rows.length > page.limit && last !== undefined
          ? encodeCursor('touchpoints', last.position)
          : null,
    };
  }
}
