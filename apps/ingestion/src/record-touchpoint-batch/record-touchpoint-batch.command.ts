import { Command } from '@nestjs/cqrs';
import type { TraceCarrier } from '@cx/contracts';
import type { Touchpoint } from '@cx/domain';

export interface BatchItemResult {
  readonly touchpointId: string;
  readonly status: 'accepted' | 'duplicate' | 'conflict';
  /** The new event's position if accepted, the stored one's otherwise. */
  readonly position: number | null;
}

export interface RecordBatchResult {
  readonly results: BatchItemResult[];
  readonly summary: {
    readonly accepted: number;
    readonly duplicate: number;
    readonly conflict: number;
  };
}

/** Record validated touchpoints in one transaction. */
export class RecordTouchpointBatchCommand extends Command<RecordBatchResult> {
  constructor(
    readonly touchpoints: readonly Touchpoint[],
    /** The request's trace context, stored with every event of the batch. */
    readonly trace: TraceCarrier | null = null,
  ) {
    super();
  }
}
