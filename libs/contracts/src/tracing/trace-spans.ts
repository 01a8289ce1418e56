import {
  createTraceState,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import { formatTraceparent, parseTraceparent, type TraceCarrier } from './trace-context';

/**
 * The bridge between the stored/propagated form of a trace context (`TraceCarrier`) and the
 * OpenTelemetry API. Libraries depend on the API only; a service registers the SDK at start
 * (`startTracing` in @cx/platform) or leaves the API's no-op in place.
 */

/** The instrumentation scope of every span the project makes itself. */
export const TRACER_NAME = 'cx-journey';

/** The API's no-op provider: what the global proxy delegates to while no SDK is registered. */
const NO_OP_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * True once an SDK tracer provider is registered. Hot paths ask this once per request or batch
 * and skip every span (and the parsing only spans need) while it is false: tracing off costs a
 * property read, not a no-op span per event.
 */
export function tracingActive(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NO_OP_PROVIDER;
}

export function cxTracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** The remote span context of `carrier`, or null when it holds none. */
export function spanContextOf(carrier: TraceCarrier | null | undefined): SpanContext | null {
  if (carrier === null || carrier === undefined) return null;
  const parent = parseTraceparent(carrier.traceparent);
  if (parent === null) return null;
  return {
    traceId: parent.traceId,
    spanId: parent.spanId,
    traceFlags: parent.flags,
    isRemote: true,
    ...(carrier.tracestate === undefined
      ? {}
      : { traceState: createTraceState(carrier.tracestate) }),
  };
}

/** A context whose parent span is the one `carrier` names (the root context without one). */
export function contextOf(carrier: TraceCarrier | null | undefined): Context {
  const spanContext = spanContextOf(carrier);
  return spanContext === null ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

/** The carrier that makes `spanContext` the parent of the next hop. */
export function carrierOf(spanContext: SpanContext): TraceCarrier | null {
  if (!trace.isSpanContextValid(spanContext)) return null;
  const traceparent = formatTraceparent({
    traceId: spanContext.traceId,
    spanId: spanContext.spanId,
    flags: spanContext.traceFlags,
  });
  const tracestate = spanContext.traceState?.serialize();
  return tracestate === undefined || tracestate === ''
    ? { traceparent }
    : { traceparent, tracestate };
}

/** Ends `span` as failed by `error`. */
export function endSpanFailed(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
  span.end();
}

/** Runs `work` and ends `span` (if any) when it settles, as failed if it throws. */
export async function withinSpan<T>(span: Span | null, work: () => Promise<T>): Promise<T> {
  if (span === null) return work();
  try {
    const result = await work();
    span.end();
    return result;
  } catch (error) {
    endSpanFailed(span, error);
    throw error;
  }
}
