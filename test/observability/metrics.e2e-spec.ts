import { randomBytes } from 'node:crypto';
import { ApiKeyStore } from '@cx/event-store';
import { APPLIED_TOUCHPOINTS } from '@cx/read-models';
import { eventually } from '../support/eventually';
import { kafkaBrokers } from '../support/stack';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { startService, stopService, type RunningService } from '../projector/support/services';
import { Scrape } from './scrape';

jest.setTimeout(300_000);

/**
 * `/metrics` of the three services, built and started for real: known traffic is sent, every
 * service is scraped before and after, and the counters must have moved by exactly that traffic.
 */
const RUN = `mx-${randomBytes(3).toString('hex')}`;
const TOUCHPOINTS = 'cx.touchpoints.v1';
const SINGLES = 5;
const BATCH = 4;
const REFUSED = 3;
const READS = 4;
const ACCEPTED = SINGLES + BATCH;

type Service = 'ingestion' | 'query' | 'projector';

let sequence = 0;
const touchpoint = (customer: string, nps = 9): Record<string, unknown> => ({
  touchpointId: `${RUN}-tp-${(sequence += 1)}`,
  customerId: customer,
  occurredAt: '2025-06-01T10:00:00Z',
  channel: 'chat',
  interaction: 'survey_response',
  survey: { nps },
  text: 'call me on 555-0100',
});

describe('Prometheus metrics of every service (built services, real Postgres and Kafka)', () => {
  let db: ScratchDatabase;
  const services = new Map<Service, RunningService>();
  const keys = { writer: '', reader: '', metrics: '' };
  const customer = `${RUN}-customer`;

  const url = (service: Service): string => {
    const running = services.get(service);
    if (running === undefined) throw new Error(`${service} is not running`);
    return running.url;
  };

  const request = (
    service: Service,
    method: 'GET' | 'POST',
    path: string,
    key: string,
    body?: string,
  ): Promise<Response> =>
    fetch(`${url(service)}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body }),
    });

  const scrape = async (service: Service): Promise<Scrape> => {
    const response = await request(service, 'GET', '/metrics', keys.metrics);
    const text = await response.text();
    expect({ service, status: response.status }).toEqual({ service, status: 200 });
    // Parameters in any order: Express puts the charset first.
    const [type, ...parameters] = (response.headers.get('content-type') ?? '').split(/;\s*/);
    expect({ type, parameters: parameters.sort() }).toEqual({
      type: 'text/plain',
      parameters: ['charset=utf-8', 'version=0.0.4'],
    });
    return new Scrape(text);
  };

  const scrapeAll = async (): Promise<Record<Service, Scrape>> => ({
    ingestion: await scrape('ingestion'),
    query: await scrape('query'),
    projector: await scrape('projector'),
  });

  beforeAll(async () => {
    db = await createScratchDatabase('cx_mx');
    const store = new ApiKeyStore(db.pool);
    const issue = async (scope: string): Promise<string> =>
      (await store.issue({ name: `${RUN} ${scope}`, scopes: [scope] })).key;
    keys.writer = await issue('touchpoints:write');
    keys.reader = await issue('customers:read');
    keys.metrics = await issue('metrics:read');
    const env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers(),
      PROJECTOR_GROUP: `projector.${RUN}`,
      CX_AUTH: 'on',
    };
    const names = ['ingestion', 'query', 'projector'] as const;
    const started = await Promise.all(names.map((name) => startService(name, env, name)));
    started.forEach((service, i) => services.set(names[i] as Service, service));
  });

  afterAll(async () => {
    for (const service of services.values()) await stopService(service, 'SIGKILL');
    await db?.drop();
  });

  it('answers only a credential with metrics:read, in the Prometheus text format', async () => {
    for (const service of ['ingestion', 'query', 'projector'] as const) {
      const anonymous = await fetch(`${url(service)}/metrics`);
      expect({ service, status: anonymous.status }).toEqual({ service, status: 401 });
      const wrongScope = await request(service, 'GET', '/metrics', keys.reader);
      expect({ service, status: wrongScope.status }).toEqual({ service, status: 403 });
      const scraped = await scrape(service);
      // Node runtime, pool usage and the HTTP figures are on every service.
      expect(scraped.family('process_cpu_user_seconds_total').type).toBe('COUNTER');
      expect(scraped.family('nodejs_eventloop_lag_seconds').type).toBe('GAUGE');
      expect(scraped.value('cx_pg_pool_max_connections', { pool: 'main' })).toBeGreaterThan(0);
      expect(scraped.family('http_request_duration_seconds').type).toBe('HISTOGRAM');
      expect(scraped.value('http_requests_total', { route: '/metrics', status: '401' })).toBe(1);
      expect(scraped.value('http_requests_total', { route: '/metrics', status: '403' })).toBe(1);
      expect(scraped.samples('process_cpu_user_seconds_total')[0]?.labels?.service).toBe(service);
    }
  });

  it('counts the traffic sent, exactly, and the pipeline reaches every accepted event', async () => {
    const before = await scrapeAll();

    // Ingestion: accepted singles and a batch, one duplicate, refusals by validation and by the
    // body parser (before routing), and a path that is no route.
    const positions: number[] = [];
    const first = touchpoint(customer);
    for (let i = 0; i < SINGLES; i += 1) {
      const body = i === 0 ? first : touchpoint(customer);
      const answer = await request(
        'ingestion',
        'POST',
        '/v1/touchpoints',
        keys.writer,
        JSON.stringify(body),
      );
      expect(answer.status).toBe(202);
      positions.push(((await answer.json()) as { position: number }).position);
    }
    const again = await request(
      'ingestion',
      'POST',
      '/v1/touchpoints',
      keys.writer,
      JSON.stringify(first),
    );
    expect(await again.json()).toMatchObject({ status: 'duplicate' });
    const batch = await request(
      'ingestion',
      'POST',
      '/v1/touchpoints/batch',
      keys.writer,
      JSON.stringify({ touchpoints: Array.from({ length: BATCH }, () => touchpoint(customer)) }),
    );
    expect(batch.status).toBe(202);
    const { results } = (await batch.json()) as { results: { position: number }[] };
    positions.push(...results.map((r) => r.position));
    for (let i = 0; i < REFUSED; i += 1) {
      const refused = await request(
        'ingestion',
        'POST',
        '/v1/touchpoints',
        keys.writer,
        JSON.stringify(touchpoint(customer, 11)),
      );
      expect(refused.status).toBe(400);
    }
    const malformed = await request(
      'ingestion',
      'POST',
      '/v1/touchpoints',
      keys.writer,
      '{"touchpointId":',
    );
    expect(malformed.status).toBe(400);
    const nowhere = await request('ingestion', 'GET', `/v1/${customer}`, keys.writer);
    expect(nowhere.status).toBe(404);

    // Query: reads that wait for the last position, and one customer that does not exist.
    const last = Math.max(...positions);
    for (let i = 0; i < READS; i += 1) {
      const read = await request(
        'query',
        'GET',
        `/v1/customers/${customer}?minPosition=${last}&waitMs=30000`,
        keys.reader,
      );
      expect(read.status).toBe(200);
    }
    const unknown = await request('query', 'GET', `/v1/customers/${RUN}-nobody`, keys.reader);
    expect(unknown.status).toBe(404);

    // Projector: the lag as JSON, twice.
    for (let i = 0; i < 2; i += 1) {
      const lag = await request('projector', 'GET', '/lag', keys.metrics);
      expect(lag.status).toBe(200);
      expect(await lag.json()).toMatchObject({ topic: TOUCHPOINTS });
    }

    // The relay publishes every accepted event once, and its backlog drains.
    await eventually('the relay to publish every accepted event', async () => {
      const now = await scrape('ingestion');
      const published = now.value('cx_relay_published_events_total', { topic: TOUCHPOINTS });
      const lag = now.value('cx_relay_lag_events', { topic: TOUCHPOINTS });
      return published === ACCEPTED && lag === 0 ? true : undefined;
    });
    // The projector applied every event of the topic new to its read models (the topic also holds
    // other suites' events), and its counter agrees with its ledger; no partition is behind.
    const appliedInDatabase = async (): Promise<number> => {
      const { rows } = await db.pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${APPLIED_TOUCHPOINTS.name}`,
      );
      return Number(rows[0]?.n ?? 0);
    };
    await eventually('the projector to apply the whole topic', async () => {
      const now = await scrape('projector');
      const applied = now.value('cx_projector_applied_events_total', { topic: TOUCHPOINTS });
      const lag = now.samples('cx_projector_consumer_lag_events', { topic: TOUCHPOINTS });
      const caughtUp = lag.length > 0 && lag.every((s) => Number(s.value) === 0);
      return caughtUp && applied >= ACCEPTED && applied === (await appliedInDatabase())
        ? true
        : undefined;
    });

    const after = await scrapeAll();
    const delta = (service: Service, name: string, labels: Record<string, string>): number =>
      after[service].value(name, labels) - before[service].value(name, labels);
    const http = (service: Service, method: string, route: string, status: string): number =>
      delta(service, 'http_requests_total', { method, route, status });

    expect({
      single202: http('ingestion', 'POST', '/v1/touchpoints', '202'),
      batch202: http('ingestion', 'POST', '/v1/touchpoints/batch', '202'),
      refused400: http('ingestion', 'POST', '/v1/touchpoints', '400'),
      unmatched404: http('ingestion', 'GET', 'unmatched', '404'),
      reads200: http('query', 'GET', '/v1/customers/:customerId', '200'),
      reads404: http('query', 'GET', '/v1/customers/:customerId', '404'),
      lag200: http('projector', 'GET', '/lag', '200'),
    }).toEqual({
      single202: SINGLES + 1,
      batch202: 1,
      // Refused by validation and, once, by the JSON parser before routing: the same route.
      refused400: REFUSED + 1,
      unmatched404: 1,
      reads200: READS,
      reads404: 1,
      lag200: 2,
    });

    // Appends: one per single request (the duplicate included) and one for the batch.
    const appends = (s: Scrape): { count: number; sum: number } =>
      s.histogram('cx_event_store_append_batch_size');
    expect(appends(after.ingestion).count - appends(before.ingestion).count).toBe(SINGLES + 2);
    expect(appends(after.ingestion).sum - appends(before.ingestion).sum).toBe(SINGLES + 1 + BATCH);
    expect(
      after.ingestion.histogram('cx_event_store_append_duration_seconds').count -
        before.ingestion.histogram('cx_event_store_append_duration_seconds').count,
    ).toBe(SINGLES + 2);
    expect({
      accepted: delta('ingestion', 'cx_event_store_appended_touchpoints_total', {
        status: 'accepted',
      }),
      duplicate: delta('ingestion', 'cx_event_store_appended_touchpoints_total', {
        status: 'duplicate',
      }),
      conflict: delta('ingestion', 'cx_event_store_appended_touchpoints_total', {
        status: 'conflict',
      }),
    }).toEqual({ accepted: ACCEPTED, duplicate: 1, conflict: 0 });

    // Every histogram agrees with itself and with its counter: the +Inf bucket is the count, the
    // buckets never decrease, and the HTTP histogram counts what the HTTP counter counts.
    for (const service of ['ingestion', 'query', 'projector'] as const) {
      const scraped = after[service];
      for (const name of [
        'http_request_duration_seconds',
        'cx_event_store_append_batch_size',
        'cx_event_store_append_duration_seconds',
        'cx_relay_publish_duration_seconds',
        'cx_projector_apply_duration_seconds',
      ]) {
        if (!scraped.has(name)) continue;
        for (const labels of scraped.histogramSeries(name)) {
          const { count, buckets } = scraped.histogram(name, labels);
          const counts = [...buckets]
            .map(([le, n]) => [le === '+Inf' ? Infinity : Number(le), n] as const)
            .sort((a, b) => a[0] - b[0]);
          expect({ name, labels, last: counts.at(-1) }).toEqual({
            name,
            labels,
            last: [Infinity, count],
          });
          counts.forEach(([, n], i) => expect(n).toBeGreaterThanOrEqual(counts[i - 1]?.[1] ?? 0));
        }
      }
      for (const sample of scraped.samples('http_requests_total')) {
        const labels = sample.labels ?? {};
        expect({
          labels,
          count: scraped.histogram('http_request_duration_seconds', labels).count,
        }).toEqual({ labels, count: Number(sample.value) });
      }
      // Route templates only: no customer id, no touchpoint id in any series.
      expect(scraped.text).not.toContain(RUN);
    }

    // The projector times each chunk it applies and counts what it dead-letters.
    const applies = after.projector.histogram('cx_projector_apply_duration_seconds', {
      topic: TOUCHPOINTS,
    });
    expect(applies.count).toBeGreaterThan(0);
    expect(after.projector.family('cx_projector_dead_letters_total').type).toBe('COUNTER');
    expect(
      after.projector.samples('cx_relay_published_events_total', {
        topic: 'cx.customer-insights.v1',
      }),
    ).toHaveLength(1);
  });
});
