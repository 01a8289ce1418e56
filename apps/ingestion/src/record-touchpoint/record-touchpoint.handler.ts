import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { TraceCarrier } from '@cx/contracts';
import { CustomerErasedError, EventStore, isStoreUnavailable } from '@cx/event-store';
import { IngestionErrorCode, ingestionError } from '../ingestion.exception';

import { RecordTouchpointCommand, type RecordResult } from './record-touchpoint.command';

@CommandHandler(RecordTouchpointCommand)
export class RecordTouchpointHandler implements ICommandHandler<
  RecordTouchpointCommand,
  RecordResult
> {
  constructor(private readonly store: EventStore) {}

  async execute({ touchpoint, trace }: RecordTouchpointCommand): Promise<RecordResult> {
    const [result] = await appendOrFail(this.store, [touchpoint], trace);
    if (result === undefined || result.position === null) {
      throw new Error(`event store returned no result for ${touchpoint.touchpointId}`);
    }
    if (result.status === 'conflict') {
      throw ingestionError(
        IngestionErrorCode.Conflict,
        'touchpointId already stored with other data',
        [
          {
            path: 'touchpointId',
            message: `${touchpoint.touchpointId} is already stored with a different payload (position ${result.position}); it was not applied`,
          },
        ],
      );
    }
    return { touchpointId: result.touchpointId, status: result.status, position: result.position };
  }
}

/**
 * Appends, turning "Postgres is unreachable" into a typed 503 instead of a 500, and an erased
 * customer into 410 naming every touchpoint of theirs (`pathOf` says where its customerId is).
 */
export async function appendOrFail(
  store: EventStore,
  touchpoints: Parameters<EventStore['append']>[0],
  trace: TraceCarrier | null,
  pathOf: (index: number) => string = () => 'customerId',
): ReturnType<EventStore['append']> {
  try {
    return await store.append(touchpoints, { trace });
  } catch (error) {
    if (error instanceof CustomerErasedError) {
      const erased = new Set(error.customerIds);
      throw ingestionError(
        IngestionErrorCode.CustomerErased,
        'customer erased',
        touchpoints.flatMap((t, i) =>
          erased.has(t.customerId)
            ? [
                {
                  path: pathOf(i),
                  message: `${t.customerId} was erased; an admin must readmit the id before it takes touchpoints again. Nothing was stored`,
                },
              ]
            : [],
        ),
      );
    }
    if (isStoreUnavailable(error)) {
      const cause = error instanceof Error ? error.message : String(error);
      // The cause goes to the log (the filter logs the message), never to the client.
      throw ingestionError(
        IngestionErrorCode.StoreUnavailable,
        `event store unreachable: ${cause}`,
        [{ path: '', message: 'the event store is unreachable; nothing was stored, retry later' }],
      );
    }
    throw error;
  }
}
