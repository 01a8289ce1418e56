import { SpanKind, type Span } from '@opentelemetry/api';
import { carrierOf, contextOf, cxTracer, type TraceCarrier } from '@cx/contracts';

/** The span of one `append` call to `table`: from the call to its (possibly shared) commit. */
export function startAppendSpan(
  table: string,
  parent: TraceCarrier | null | undefined,
  touchpoints: number,
): Span {
  return cxTracer().startSpan(
    `append ${table}`,
    {
      kind: SpanKind.INTERNAL,
      attributes: {
        'db.system.name': 'postgresql',
        'db.collection.name': table,
        'cx.touchpoints': touchpoints,
      },
    },
    contextOf(parent),
  );
}

/**
 * What is stored with the events: the append span's context when tracing is on, so the relay's
 * span hangs under it; otherwise the caller's context unchanged, so a traced consumer downstream
 * can still join the caller's trace though this service records no span.
 */
export function storedTraceContext(
  span: Span | null,
  received: TraceCarrier | null | undefined,
): TraceCarrier | null {
  if (span === null) return received ?? null;
  return carrierOf(span.spanContext()) ?? received ?? null;
}
