import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  carrierOf,
  contextOf,
  cxTracer,
  traceCarrier,
  tracingActive,
  type TraceCarrier,
} from '@cx/contracts';
import { routeLabeller } from '../http/route-template';

/** Spans start on routed paths only: the router's own template is all they need. */
const routeOf = routeLabeller(() => []);

const traces = new WeakMap<IncomingMessage, TraceCarrier>();

/**
 * The trace context a request hands on to what it stores: its server span's when tracing is on,
 * else the caller's `traceparent` / `tracestate` as received (validated); null without either.
 */
export function requestTraceOf(request: IncomingMessage): TraceCarrier | null {
  return traces.get(request) ?? null;
}

/** One header's value; a repeated `traceparent` is ambiguous, so it counts as absent. */
function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? undefined : value;
}

/** Repeated `tracestate` headers form one list (RFC 9110 field combination). */
function combined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Accepts W3C `traceparent` and `tracestate` on the routes it is mounted on. With tracing on, each
 * request gets a SERVER span, child of the caller's context (a new trace without one), active for
 * the rest of the request and ended when the answer is out; with tracing off no span is made, and
 * the caller's context is only kept for what the request stores. Mount it before the body parser,
 * so the span covers the whole request, refusals included.
 */
export function traceRequests(): (
  request: IncomingMessage,
  response: ServerResponse,
  next: () => void,
) => void {
  return (request, response, next) => {
    const headers = request.headers;
    const received =
      headers.traceparent === undefined
        ? null
        : traceCarrier(single(headers.traceparent), combined(headers.tracestate));
    if (!tracingActive()) {
      if (received !== null) traces.set(request, received);
      next();
      return;
    }
    const method = request.method ?? 'GET';
    const span = cxTracer().startSpan(
      method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } },
      contextOf(received),
    );
    const handedOn = carrierOf(span.spanContext()) ?? received;
    if (handedOn !== null) traces.set(request, handedOn);
    response.once('close', () => {
      // Routing happened after this middleware: the template is known only now.
      const route = routeOf(request);
      span.updateName(`${method} ${route}`);
      span.setAttribute('http.route', route);
      span.setAttribute('http.response.status_code', response.statusCode);
      if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      if (!response.writableFinished) span.setAttribute('cx.aborted', true);
      span.end();
    });
    context.with(trace.setSpan(context.active(), span), next);
  };
}
