import type { TraceCarrier } from '@cx/contracts';
import type { PositionedTouchpoint } from './projection';

/** One consumed message: its offset, and the touchpoint it carried (null: dead-lettered). */
export interface ConsumedMessage {
  readonly offset: string;
  readonly item: PositionedTouchpoint | null;
  /**
   * The trace context the message carried (`ce_traceparent`); the consumer reads it only while
   * tracing is on, so with tracing off it is absent and the engine makes no span.
   */
  readonly trace?: TraceCarrier | null;
}
