import { SpanKind, type Span } from '@opentelemetry/api';
import type { Message } from 'kafkajs';
import {
  carrierOf,
  contextOf,
  cxTracer,
  endSpanFailed,
  traceCarrierOfHeaders,
  traceHeaders,
} from '@cx/contracts';

/** The spans of one relay send, and the messages to send: each carries its own span's context. */
export interface PublishSpans {
  readonly messages: Message[];
  /** Ends every span, as failed when `error` is given. */
  end(error?: unknown): void;
}

function headerText(message: Message, name: string): string | undefined {
  const value = message.headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/**
 * A `send <topic>` PRODUCER span for every message that carries a stored trace context (the
 * CloudEvents `ce_traceparent` header), child of that context; the message then carries the send
 * span's context instead, so the consumer's span hangs under it. Messages without a context are
 * sent as they are: the relay starts no trace of its own. Only called while tracing is on.
 */
export function startPublishSpans(topic: string, messages: readonly Message[]): PublishSpans {
  const tracer = cxTracer();
  const spans: Span[] = [];
  const traced = messages.map((message): Message => {
    const stored = traceCarrierOfHeaders(message.headers);
    if (stored === null) return message;
    const span = tracer.startSpan(
      `send ${topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          'messaging.system': 'kafka',
          'messaging.operation.type': 'send',
          'messaging.operation.name': 'send',
          'messaging.destination.name': topic,
          'messaging.batch.message_count': messages.length,
          ...messageId(message),
        },
      },
      contextOf(stored),
    );
    spans.push(span);
    return {
      ...message,
      headers: { ...message.headers, ...traceHeaders(carrierOf(span.spanContext()) ?? stored) },
    };
  });
  return {
    messages: traced,
    end(error?: unknown): void {
      for (const span of spans) {
        if (error === undefined) span.end();
        else endSpanFailed(span, error);
      }
    },
  };
}

function messageId(message: Message): Record<string, string> {
  const id = headerText(message, 'ce_id');
  return id === undefined ? {} : { 'messaging.message.id': id };
}
