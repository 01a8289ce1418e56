import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { carrierOf, contextOf, cxTracer, spanContextOf, tracingActive } from './trace-spans';
import { recordSpans } from './span-recorder.test-support';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const CARRIER = { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: 'rojo=1,congo=2' };

describe('trace spans', () => {
  it('is off while no SDK is registered, on while one is, and off again after', async () => {
    expect(tracingActive()).toBe(false);
    const recorder = recordSpans();
    expect(tracingActive()).toBe(true);
    await recorder.stop();
    expect(tracingActive()).toBe(false);
  });

  it('turns a stored carrier into a remote parent, and a span back into a carrier', () => {
    expect(spanContextOf(CARRIER)).toMatchObject({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(spanContextOf(CARRIER)?.traceState?.serialize()).toBe('rojo=1,congo=2');
    expect(contextOf(null)).toBe(ROOT_CONTEXT);
    expect(spanContextOf({ traceparent: 'broken' })).toBeNull();
    const spanContext = trace.getSpanContext(contextOf(CARRIER));
    expect(spanContext === undefined ? null : carrierOf(spanContext)).toEqual(CARRIER);
  });

  it('makes spans children of the carried context when tracing is on', async () => {
    const recorder = recordSpans();
    try {
      const span = cxTracer().startSpan('child', { kind: SpanKind.INTERNAL }, contextOf(CARRIER));
      const handedOn = carrierOf(span.spanContext());
      span.end();
      const [finished] = recorder.spans();
      expect(finished?.spanContext().traceId).toBe(TRACE_ID);
      expect(finished?.parentSpanContext?.spanId).toBe(SPAN_ID);
      expect(handedOn?.traceparent).toBe(`00-${TRACE_ID}-${finished?.spanContext().spanId}-01`);
      expect(handedOn?.tracestate).toBe('rojo=1,congo=2');
    } finally {
      await recorder.stop();
    }
  });

  it('hands on an unsampled context as unsampled, without recording a span', async () => {
    const recorder = recordSpans();
    try {
      const unsampled = { traceparent: `00-${TRACE_ID}-${SPAN_ID}-00` };
      const span = cxTracer().startSpan('child', {}, contextOf(unsampled));
      expect(span.isRecording()).toBe(false);
      expect(carrierOf(span.spanContext())?.traceparent).toMatch(
        new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-00$`),
      );
      span.end();
      expect(recorder.spans()).toHaveLength(0);
    } finally {
      await recorder.stop();
    }
  });
});
