import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SpanKind, trace } from '@opentelemetry/api';
import {
  recordSpans,
  type SpanRecorder,
} from '../../../contracts/src/tracing/span-recorder.test-support';
import { requestTraceOf, traceRequests } from './request-trace.middleware';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${SPAN_ID}-01`;

interface FakeExchange {
  readonly request: IncomingMessage;
  readonly response: ServerResponse & EventEmitter;
  /** Whether `next` ran, and the span active while it did. */
  readonly next: { called: boolean; activeSpanId: string | undefined };
}

function exchange(headers: Record<string, string | string[]>): FakeExchange {
  const request = { method: 'POST', headers } as unknown as IncomingMessage;
  const response = Object.assign(new EventEmitter(), {
    statusCode: 202,
    writableFinished: true,
  }) as unknown as ServerResponse & EventEmitter;
  const next = { called: false, activeSpanId: undefined as string | undefined };
  traceRequests()(request, response, () => {
    next.called = true;
    next.activeSpanId = trace.getActiveSpan()?.spanContext().spanId;
  });
  return { request, response, next };
}

describe('traceRequests', () => {
  describe('with tracing off', () => {
    it("keeps the caller's context as received, for what the request stores", () => {
      const { request, next } = exchange({ traceparent: TRACEPARENT, tracestate: 'rojo=1' });
      expect(next.called).toBe(true);
      expect(requestTraceOf(request)).toEqual({ traceparent: TRACEPARENT, tracestate: 'rojo=1' });
    });

    it('keeps nothing without a valid traceparent', () => {
      expect(requestTraceOf(exchange({}).request)).toBeNull();
      expect(requestTraceOf(exchange({ traceparent: 'nope' }).request)).toBeNull();
      expect(requestTraceOf(exchange({ tracestate: 'rojo=1' }).request)).toBeNull();
    });
  });

  describe('with tracing on', () => {
    let recorder: SpanRecorder;
    beforeAll(() => (recorder = recordSpans()));
    afterEach(() => recorder.reset());
    afterAll(() => recorder.stop());

    it("continues the caller's trace in a server span, active for the rest of the request", () => {
      const { request, response, next } = exchange({
        traceparent: TRACEPARENT,
        tracestate: ['rojo=1', 'congo=2'],
      });
      Object.assign(request, { route: { path: '/v1/touchpoints' }, baseUrl: '' });
      response.emit('close');
      const [span] = recorder.spans();
      expect(span).toMatchObject({ name: 'POST /v1/touchpoints', kind: SpanKind.SERVER });
      expect(span?.spanContext().traceId).toBe(TRACE_ID);
      expect(span?.parentSpanContext?.spanId).toBe(SPAN_ID);
      expect(span?.attributes).toMatchObject({
        'http.route': '/v1/touchpoints',
        'http.response.status_code': 202,
      });
      expect(next.activeSpanId).toBe(span?.spanContext().spanId);
      // What the request stores names the server span as parent, and keeps the tracestate.
      expect(requestTraceOf(request)).toEqual({
        traceparent: `00-${TRACE_ID}-${span?.spanContext().spanId}-01`,
        tracestate: 'rojo=1,congo=2',
      });
    });

    it('starts a trace when the caller sent none', () => {
      const { request, response } = exchange({});
      response.emit('close');
      const [span] = recorder.spans();
      expect(span?.parentSpanContext).toBeUndefined();
      expect(requestTraceOf(request)?.traceparent).toBe(
        `00-${span?.spanContext().traceId}-${span?.spanContext().spanId}-01`,
      );
    });
  });
});
