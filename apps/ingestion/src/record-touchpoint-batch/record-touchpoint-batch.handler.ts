import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { EventStore } from '@cx/event-store';
import { appendOrFail } from '../record-touchpoint/record-touchpoint.handler';
import {
  RecordTouchpointBatchCommand,
  type RecordBatchResult,
} from './record-touchpoint-batch.command';

@CommandHandler(RecordTouchpointBatchCommand)
export class RecordTouchpointBatchHandler implements ICommandHandler<
  RecordTouchpointBatchCommand,
  RecordBatchResult
> {
  constructor(private readonly store: EventStore) {}

  async execute({ touchpoints, trace }: RecordTouchpointBatchCommand): Promise<RecordBatchResult> {
    const appended = await appendOrFail(
      this.store,
      touchpoints,
      trace,
      (i) => `touchpoints[${i}].customerId`,
    );
    const summary = { accepted: 0, duplicate: 0, conflict: 0 };
    const results = appended.map(({ touchpointId, status, position }) => {
      summary[status] += 1;
      return { touchpointId, status, position };
    });
    return { results, summary };
  }
}
