import { randomBytes } from 'node:crypto';
import { categoryOf, type Touchpoint } from '@cx/domain';
import { kafkaBrokers } from '../support/stack';
import { eventually } from '../support/eventually';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { startService, stopService, type RunningService } from '../projector/support/services';
import { OTLP_KIND, OtlpCollector, type CollectedSpan } from './support/otlp-collector';

jest.setTimeout(240_000);

const RUN = `tr-${randomBytes(3).toString('hex')}`;

function touchpoint(id: string): Touchpoint {
  return {
    touchpointId: `${RUN}-${id}`,
    customerId: `${RUN}-c1`,
    occurredAt: '2025-06-01T10:00:00.000Z',
    channel: 'chat',
    category: categoryOf('chat'),
    interaction: 'survey_response',
    survey: { nps: 9, csat: 5 },
  };
}

/** A caller's own trace: the id and the span the request is sent from. */
function callerTrace(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

function only(spans: readonly CollectedSpan[], name: string): CollectedSpan {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${name} span, found ${found.length}:\n${listing(spans)}`);
  }
  return found[0] as CollectedSpan;
}

function listing(spans: readonly CollectedSpan[]): string {
  return spans.map((s) => `  ${s.service} ${s.name} ${s.spanId} <- ${s.parentSpanId}`).join('\n');
}

/**
 * The "Done when" of traces: the services run as deployed (dist/, separate processes), their real
 * OTLP/HTTP exporter switched on by the standard variables and pointed at an in-memory collector.
 * A touchpoint sent with a `traceparent` must come back as one trace, request to read-model write.
 */
describe('tracing (e2e)', () => {
  const collector = new OtlpCollector();
  let db: ScratchDatabase;
  let ingestion: RunningService | undefined;
  let projector: RunningService | undefined;

  beforeAll(async () => {
    const endpoint = await collector.start();
    db = await createScratchDatabase('cx_tr');
    const env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers(),
      PROJECTOR_GROUP: `projector.${RUN}`,
      PROJECTOR_SESSION_TIMEOUT_MS: '6000',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      // Export within a fraction of a second instead of the default 5 s.
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    [ingestion, projector] = await Promise.all([
      startService('ingestion', env),
      startService('projector', env),
    ]);
  });

  afterAll(async () => {
    for (const service of [ingestion, projector]) if (service) await stopService(service);
    await collector.stop();
    await db?.drop();
  });

  const post = async (path: string, body: unknown, traceparent: string): Promise<number> => {
    const response = await fetch(`${ingestion?.url ?? ''}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent, tracestate: 'cx-test=1' },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status;
  };

  /** The trace's spans once the projector's apply span of each touchpoint arrived. */
  const traceOf = (traceId: string, touchpoints: number): Promise<CollectedSpan[]> =>
    eventually(
      `the spans of trace ${traceId}`,
      () => {
        const spans = collector.inTrace(traceId);
        const applied = spans.filter((s) => s.name === 'process cx.touchpoints.v1');
        return Promise.resolve(applied.length >= touchpoints ? spans : undefined);
      },
      60_000,
      100,
    );

  it('follows one touchpoint from the request through the store, the relay and Kafka to the read-model write', async () => {
    const caller = callerTrace();
    const sent = touchpoint('single');
    expect(await post('/v1/touchpoints', sent, caller.traceparent)).toBe(202);

    const spans = await traceOf(caller.traceId, 1);
    const request = only(spans, 'POST /v1/touchpoints');
    const append = only(spans, 'append touchpoint_events');
    const send = only(spans, 'send cx.touchpoints.v1');
    const apply = only(spans, 'process cx.touchpoints.v1');

    // One trace, in parent-child order: caller → request → append → relay send → projector apply.
    expect(request).toMatchObject({
      service: 'cx-ingestion',
      kind: OTLP_KIND.server,
      parentSpanId: caller.spanId,
    });
    expect(request.attributes['http.response.status_code']).toBe(202);
    expect(append).toMatchObject({ service: 'cx-ingestion', parentSpanId: request.spanId });
    expect(send).toMatchObject({
      service: 'cx-ingestion',
      kind: OTLP_KIND.producer,
      parentSpanId: append.spanId,
    });
    expect(send.attributes['messaging.message.id']).toBe(sent.touchpointId);
    expect(apply).toMatchObject({
      service: 'cx-projector',
      kind: OTLP_KIND.consumer,
      parentSpanId: send.spanId,
    });
    expect(apply.attributes).toMatchObject({
      'messaging.message.id': sent.touchpointId,
      'messaging.consumer.group.name': `projector.${RUN}`,
      'cx.outcome': 'applied',
    });
    expect(spans).toHaveLength(4);

    // The transaction's own span links the trace, and the read model holds the touchpoint.
    const batch = collector.spans.find(
      (s) =>
        s.name === 'apply read models' &&
        s.links.some((l) => l.traceId === caller.traceId && l.spanId === send.spanId),
    );
    expect(batch).toBeDefined();
    expect(apply.links).toContainEqual({ traceId: batch?.traceId, spanId: batch?.spanId });
    const applied = await db.pool.query(
      'SELECT 1 FROM projection_touchpoints WHERE touchpoint_id = $1',
      [sent.touchpointId],
    );
    expect(applied.rowCount).toBe(1);

    // What the event store keeps: the append span as parent, the caller's tracestate.
    const stored = await db.pool.query<{ traceparent: string; tracestate: string }>(
      'SELECT traceparent, tracestate FROM touchpoint_events WHERE touchpoint_id = $1',
      [sent.touchpointId],
    );
    expect(stored.rows[0]).toEqual({
      traceparent: `00-${caller.traceId}-${append.spanId}-01`,
      tracestate: 'cx-test=1',
    });
  });

  it('puts every touchpoint of a batch request in the caller trace, each with its own send and apply', async () => {
    const caller = callerTrace();
    const batch = [touchpoint('b1'), touchpoint('b2')];
    expect(await post('/v1/touchpoints/batch', { touchpoints: batch }, caller.traceparent)).toBe(
      202,
    );

    const spans = await traceOf(caller.traceId, 2);
    const request = only(spans, 'POST /v1/touchpoints/batch');
    const append = only(spans, 'append touchpoint_events');
    expect(request.parentSpanId).toBe(caller.spanId);
    expect(append.parentSpanId).toBe(request.spanId);
    for (const sent of batch) {
      const send = spans.find(
        (s) =>
          s.name === 'send cx.touchpoints.v1' &&
          s.attributes['messaging.message.id'] === sent.touchpointId,
      );
      const apply = spans.find(
        (s) =>
          s.name === 'process cx.touchpoints.v1' &&
          s.attributes['messaging.message.id'] === sent.touchpointId,
      );
      expect(send?.parentSpanId).toBe(append.spanId);
      expect(apply?.parentSpanId).toBe(send?.spanId);
    }
  });

  it('starts a trace for a request that came without one', async () => {
    const before = new Set(collector.spans.map((s) => s.spanId));
    const sent = touchpoint('untraced');
    const response = await fetch(`${ingestion?.url ?? ''}/v1/touchpoints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(sent),
    });
    expect(response.status).toBe(202);
    const request = await eventually('the request span', () =>
      Promise.resolve(
        collector.spans.find(
          (s) =>
            s.name === 'POST /v1/touchpoints' && !before.has(s.spanId) && s.parentSpanId === '',
        ),
      ),
    );
    const spans = await traceOf(request.traceId, 1);
    expect(only(spans, 'process cx.touchpoints.v1').attributes['messaging.message.id']).toBe(
      sent.touchpointId,
    );
    expect(collector.refused).toEqual([]);
  });
});
