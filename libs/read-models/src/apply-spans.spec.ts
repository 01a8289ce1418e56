import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { tp } from '@cx/domain/testing';
import {
  recordSpans,
  type SpanRecorder,
} from '../../contracts/src/tracing/span-recorder.test-support';
import { ApplySpans } from './apply-spans';
import type { ConsumedMessage } from './consumed-message';

const TRACE_A = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACE_B = '0af7651916cd43dd8448eb211c80319c';
const SEND_SPAN = '00f067aa0ba902b7';

function consumed(offset: number, traceId: string | null): ConsumedMessage {
  return {
    offset: String(offset),
    item: {
      touchpoint: tp({ interaction: 'exposure', touchpointId: `tp-${offset}` }),
      position: offset + 1,
    },
    trace: traceId === null ? null : { traceparent: `00-${traceId}-${SEND_SPAN}-01` },
  };
}

describe('ApplySpans', () => {
  let recorder: SpanRecorder;
  beforeAll(() => (recorder = recordSpans()));
  afterEach(() => recorder.reset());
  afterAll(() => recorder.stop());

  it('makes no span when no message carries a context', () => {
    expect(
      ApplySpans.start('g', [{ topic: 't', partition: 0, messages: [consumed(1, null)] }]),
    ).toBeNull();
  });

  it("continues each message's trace, linked to the one span of the shared transaction", () => {
    const a = consumed(7, TRACE_A);
    const b = consumed(3, TRACE_B);
    const spans = ApplySpans.start('projector', [
      { topic: 'cx.touchpoints.v1', partition: 0, messages: [a, consumed(8, null)] },
      { topic: 'cx.touchpoints.v1', partition: 4, messages: [b] },
    ]);
    spans?.outcome(a, 'applied');
    spans?.outcome(b, 'already_applied');
    spans?.end();

    const [batch] = recorder.byName('apply read models');
    expect(batch?.parentSpanContext).toBeUndefined();
    expect(batch?.links.map((l) => l.context.traceId)).toEqual([TRACE_A, TRACE_B]);
    const processed = recorder.byName('process cx.touchpoints.v1');
    expect(processed).toHaveLength(2);
    for (const [span, traceId, partition, outcome] of [
      [processed[0], TRACE_A, '0', 'applied'],
      [processed[1], TRACE_B, '4', 'already_applied'],
    ] as const) {
      expect(span?.kind).toBe(SpanKind.CONSUMER);
      expect(span?.spanContext().traceId).toBe(traceId);
      expect(span?.parentSpanContext?.spanId).toBe(SEND_SPAN);
      expect(span?.links[0]?.context.spanId).toBe(batch?.spanContext().spanId);
      expect(span?.attributes).toMatchObject({
        'messaging.destination.partition.id': partition,
        'messaging.consumer.group.name': 'projector',
        'cx.outcome': outcome,
      });
    }
  });

  it('ends every span failed when the transaction fails', () => {
    ApplySpans.start('g', [{ topic: 't', partition: 0, messages: [consumed(1, TRACE_A)] }])?.end(
      new Error('deadlock'),
    );
    expect(recorder.spans().map((s) => s.status.code)).toEqual([
      SpanStatusCode.ERROR,
      SpanStatusCode.ERROR,
    ]);
  });
});
