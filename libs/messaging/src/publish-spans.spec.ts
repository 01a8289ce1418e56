import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Message } from 'kafkajs';
import { traceCarrierOfHeaders } from '@cx/contracts';
import {
  recordSpans,
  type SpanRecorder,
} from '../../contracts/src/tracing/span-recorder.test-support';
import { startPublishSpans } from './publish-spans';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const STORED_SPAN = '00f067aa0ba902b7';

function message(id: string, traced: boolean): Message {
  return {
    key: 'c-1',
    value: '{}',
    headers: {
      ce_id: id,
      ...(traced
        ? { ce_traceparent: `00-${TRACE_ID}-${STORED_SPAN}-01`, ce_tracestate: 'rojo=1' }
        : {}),
    },
  };
}

describe('startPublishSpans', () => {
  let recorder: SpanRecorder;
  beforeAll(() => (recorder = recordSpans()));
  afterEach(() => recorder.reset());
  afterAll(() => recorder.stop());

  it("sends each traced message under a producer span, child of the event's stored context", () => {
    const untraced = message('tp-2', false);
    const spans = startPublishSpans('cx.touchpoints.v1', [message('tp-1', true), untraced]);
    spans.end();
    const [span] = recorder.spans();
    expect(recorder.spans()).toHaveLength(1);
    expect(span).toMatchObject({ name: 'send cx.touchpoints.v1', kind: SpanKind.PRODUCER });
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.parentSpanContext?.spanId).toBe(STORED_SPAN);
    expect(span?.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.destination.name': 'cx.touchpoints.v1',
      'messaging.message.id': 'tp-1',
      'messaging.batch.message_count': 2,
    });
    // The consumer's parent is the send span; the rest of the message is unchanged.
    expect(traceCarrierOfHeaders(spans.messages[0]?.headers)).toEqual({
      traceparent: `00-${TRACE_ID}-${span?.spanContext().spanId}-01`,
      tracestate: 'rojo=1',
    });
    expect(spans.messages[0]?.headers?.ce_id).toBe('tp-1');
    expect(spans.messages[1]).toBe(untraced);
  });

  it('marks every span failed when the send fails', () => {
    const spans = startPublishSpans('cx.touchpoints.v1', [message('tp-1', true)]);
    spans.end(new Error('broker gone'));
    expect(recorder.spans()[0]?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: 'broker gone',
    });
  });
});
