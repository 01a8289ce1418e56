import { Command } from '@nestjs/cqrs';
import type { TraceCarrier } from '@cx/contracts';
import type { Touchpoint } from '@cx/domain';

export interface RecordResult {
  readonly touchpointId: string;
  /** A conflict is never a result here: it is raised as an `ingestionError`. */
  readonly status: 'accepted' | 'duplicate';
  readonly position: number;
}

/** Record one validated touchpoint. */
export class RecordTouchpointCommand extends Command<RecordResult> {
  constructor(
    readonly touchpoint: Touchpoint,
    /** The request's trace context, stored with the event. */
    readonly trace: TraceCarrier | null = null,
  ) {
    super();
  }
}
