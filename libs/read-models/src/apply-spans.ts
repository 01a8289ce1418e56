import { SpanKind, type Link, type Span } from '@opentelemetry/api';
import { contextOf, cxTracer, endSpanFailed, spanContextOf } from '@cx/contracts';
import type { ConsumedMessage } from './consumed-message';

/** What became of a consumed message in the transaction that applied its batch. */
export type ApplyOutcome =
  | 'applied'
  | 'already_applied'
  | 'dead_lettered'
  /** The batch started past the recorded offset: sought back, applied by a later batch. */
  | 'deferred';

/** One partition's batch as the engine applies it. */
export interface TracedPartitionBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly ConsumedMessage[];
}

/**
 * The spans of one engine transaction. Many partitions' batches share a transaction, so, as the
 * OpenTelemetry messaging conventions do for batch processing, the transaction gets one span of
 * its own (`apply read models`, linked to every message's context), and each message that carries
 * a trace context gets a `process <topic>` CONSUMER span, child of that context and linked to the
 * transaction's span: the touchpoint's trace then runs on to the read-model write, whose span
 * lasts from the start of the transaction to its commit.
 */
export class ApplySpans {
  private readonly perMessage = new Map<ConsumedMessage, Span>();

  private constructor(private readonly batch: Span) {}

  /** Null when no message of the batches carries a trace context: nothing to continue. */
  static start(group: string, batches: readonly TracedPartitionBatch[]): ApplySpans | null {
    const links: Link[] = [];
    for (const { messages } of batches) {
      for (const message of messages) {
        const context = spanContextOf(message.trace);
        if (context !== null) links.push({ context });
      }
    }
    if (links.length === 0) return null;
    const tracer = cxTracer();
    const batch = tracer.startSpan('apply read models', {
      kind: SpanKind.INTERNAL,
      root: true,
      links,
      attributes: {
        'messaging.batch.message_count': links.length,
        'messaging.consumer.group.name': group,
      },
    });
    const spans = new ApplySpans(batch);
    const toBatch: Link = { context: batch.spanContext() };
    for (const { topic, partition, messages } of batches) {
      for (const message of messages) {
        if (message.trace === null || message.trace === undefined) continue;
        const span = tracer.startSpan(
          `process ${topic}`,
          {
            kind: SpanKind.CONSUMER,
            links: [toBatch],
            attributes: {
              'messaging.system': 'kafka',
              'messaging.operation.type': 'process',
              'messaging.operation.name': 'process',
              'messaging.destination.name': topic,
              'messaging.destination.partition.id': String(partition),
              'messaging.consumer.group.name': group,
              'messaging.kafka.offset': Number(message.offset),
              ...(message.item === null
                ? {}
                : {
                    'messaging.message.id': message.item.touchpoint.touchpointId,
                    'cx.position': message.item.position,
                  }),
            },
          },
          contextOf(message.trace),
        );
        spans.perMessage.set(message, span);
      }
    }
    return spans;
  }

  /** Records what the transaction did with a message (before `end`). */
  outcome(message: ConsumedMessage, outcome: ApplyOutcome): void {
    this.perMessage.get(message)?.setAttribute('cx.outcome', outcome);
  }

  /** Ends every span at the commit, or as failed by `error`. */
  end(error?: unknown): void {
    for (const span of [...this.perMessage.values(), this.batch]) {
      if (error === undefined) span.end();
      else endSpanFailed(span, error);
    }
  }
}
