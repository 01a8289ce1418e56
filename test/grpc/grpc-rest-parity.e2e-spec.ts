import { randomBytes } from 'node:crypto';
import { status as Status, type Client } from '@grpc/grpc-js';
import { ApiKeyStore } from '@cx/event-store';
import { kafkaBrokers } from '../support/stack';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import {
  distMain,
  startService,
  stopService,
  type RunningService,
} from '../projector/support/services';
import {
  asRestJson,
  bearer,
  clientStream,
  connect,
  listServices,
  unary,
  withoutNulls,
  type GrpcAnswer,
  type GrpcFailure,
} from './support/grpc-client';

jest.setTimeout(300_000);

/**
 * REST and gRPC of the built services, over the same fixtures: the same answers, the same
 * stored touchpoints, the same validation issues, and the same status for every error.
 */
const RUN = `grpc-${randomBytes(3).toString('hex')}`;
const customer = (n: number): string => `${RUN}-c${n}`;
let sequence = 0;
const nextId = (): string => `${RUN}-tp-${(sequence += 1)}`;

function touchpoint(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    touchpointId: nextId(),
    customerId: customer(1),
    occurredAt: '2025-06-01T10:00:00Z',
    channel: 'chat',
    interaction: 'survey_response',
    survey: { nps: 9, csat: 4 },
    text: 'quick and friendly',
    attributes: { agent: 'a-7', queue: 'billing', vip: true, score: 2.5, none: null },
    purposes: ['analytics'],
    ...overrides,
  };
}

/** The REST body of a fixture: a null field means "left out" (attribute values may be null). */
function restBody(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== null));
}

function without(body: Record<string, unknown>, field: string): Record<string, unknown> {
  const { [field]: _dropped, ...rest } = body;
  return rest;
}

/** The REST body as the gRPC message: attributes as a google.protobuf.Struct. */
function message(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  const attributes = body.attributes;
  if (typeof attributes === 'object' && attributes !== null && !Array.isArray(attributes)) {
    const fields: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(attributes)) {
      fields[key] =
        value === null
          ? { nullValue: 'NULL_VALUE' }
          : typeof value === 'string'
            ? { stringValue: value }
            : typeof value === 'number'
              ? { numberValue: value }
              : typeof value === 'boolean'
                ? { boolValue: value }
                : Array.isArray(value)
                  ? { listValue: { values: value.map((v: number) => ({ numberValue: v })) } }
                  : { structValue: { fields: {} } };
    }
    out.attributes = { fields };
  }
  return out;
}

/**
 * Invalid touchpoints of the REST validation tests (parse-touchpoint.spec.ts) that a typed
 * message can carry: wrong JSON types (a number for a string field) have no gRPC form.
 */
const INVALID: readonly [string, Record<string, unknown>][] = [
  ['no touchpointId', without(touchpoint(), 'touchpointId')],
  ['no customerId', without(touchpoint(), 'customerId')],
  ['no occurredAt', without(touchpoint(), 'occurredAt')],
  ['no channel', without(touchpoint(), 'channel')],
  ['no interaction', without(touchpoint(), 'interaction')],
  ['empty touchpointId', touchpoint({ touchpointId: '' })],
  ['long touchpointId', touchpoint({ touchpointId: 'x'.repeat(129) })],
  ['touchpointId with a space', touchpoint({ touchpointId: 'has space' })],
  ['touchpointId ü', touchpoint({ touchpointId: 'ü' })],
  ['customerId a/b', touchpoint({ customerId: 'a/b' })],
  ['channel fax', touchpoint({ channel: 'fax' })],
  ['channel CHAT', touchpoint({ channel: 'CHAT' })],
  ['category digital', touchpoint({ category: 'digital' })],
  ['category of another channel', touchpoint({ category: 'human' })],
  ['direction sideways', touchpoint({ direction: 'sideways' })],
  ['interaction purchased', touchpoint({ interaction: 'purchased' })],
  ['empty touchpointName', touchpoint({ touchpointName: '' })],
  ['pillar price', touchpoint({ pillar: 'price' })],
  ['sentiment 1.01', touchpoint({ sentiment: 1.01 })],
  ['sentiment -1.5', touchpoint({ sentiment: -1.5 })],
  ['emotion happy', touchpoint({ emotion: 'happy' })],
  ['empty text', touchpoint({ text: '' })],
  ['text of 4001', touchpoint({ text: 't'.repeat(4001) })],
  ['companyAssessment 0', touchpoint({ companyAssessment: 0 })],
  ['companyAssessment 6', touchpoint({ companyAssessment: 6 })],
  ['source of 129', touchpoint({ source: 's'.repeat(129) })],
  ['nested attribute', touchpoint({ attributes: { nested: { a: 1 } } })],
  ['list attribute', touchpoint({ attributes: { list: [1] } })],
  ['attribute key with a space', touchpoint({ attributes: { 'bad key': 1 } })],
  ['empty attribute key', touchpoint({ attributes: { '': 1 } })],
  ['long attribute', touchpoint({ attributes: { long: 'x'.repeat(1001) } })],
  [
    '51 attributes',
    touchpoint({
      attributes: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, i])),
    }),
  ],
  ['survey nps -1', touchpoint({ survey: { nps: -1 } })],
  ['survey nps 11', touchpoint({ survey: { nps: 11 } })],
  ['survey csat 0', touchpoint({ survey: { csat: 0 } })],
  ['survey ces 8', touchpoint({ survey: { ces: 8 } })],
  ['empty survey', touchpoint({ survey: {} })],
  ['no survey on survey_response', without(touchpoint(), 'survey')],
  [
    'value amount -0.01',
    touchpoint({
      interaction: 'purchase',
      survey: null,
      value: { amount: -0.01, currency: 'EUR' },
    }),
  ],
  [
    'value amount 1e13',
    touchpoint({ interaction: 'purchase', survey: null, value: { amount: 1e13, currency: 'EUR' } }),
  ],
  [
    'value currency eur',
    touchpoint({ interaction: 'purchase', survey: null, value: { amount: 1, currency: 'eur' } }),
  ],
  ['empty value', touchpoint({ interaction: 'purchase', survey: null, value: {} })],
  [
    'value on feedback',
    touchpoint({ interaction: 'feedback', survey: null, value: { amount: 1, currency: 'EUR' } }),
  ],
  [
    'complaint_opened without its fields',
    touchpoint({ interaction: 'complaint_opened', survey: null }),
  ],
  [
    'commitment_made without dueAt',
    touchpoint({ interaction: 'commitment_made', survey: null, commitmentId: 'k' }),
  ],
  [
    'dueAt on commitment_kept',
    touchpoint({
      interaction: 'commitment_kept',
      survey: null,
      commitmentId: 'k',
      dueAt: '2025-06-01T10:00:00Z',
    }),
  ],
  ['feedback with nothing', touchpoint({ interaction: 'feedback', survey: null, text: null })],
  ['occurredAt without offset', touchpoint({ occurredAt: '2025-06-01T10:00:00' })],
  ['occurredAt 30 February', touchpoint({ occurredAt: '2025-02-30T10:00:00Z' })],
  ['occurredAt far ahead', touchpoint({ occurredAt: '2999-01-01T00:00:00Z' })],
  ['duplicate purposes', touchpoint({ purposes: ['analytics', 'analytics'] })],
  ['NUL in text', touchpoint({ text: 'a\u0000b' })],
  [
    'reports every bad field at once',
    touchpoint({ touchpointId: '', channel: 'fax', survey: { nps: 11, csat: 0 } }),
  ],
];

type Json = Record<string, unknown>;

describe('gRPC and REST answer alike (built services, real Postgres and Kafka)', () => {
  let db: ScratchDatabase;
  let ingestion: RunningService;
  let projector: RunningService;
  let query: RunningService;
  let writer: Client;
  let reader: Client;
  let admin: string;
  let readOnly: string;

  const rest = async (
    service: RunningService,
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    token: string | null = admin,
  ): Promise<{ status: number; body: Json }> => {
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  };

  const grpc = <T = Json>(
    client: Client,
    method: string,
    request: unknown,
    token: string | null = admin,
  ): Promise<GrpcAnswer<T>> => unary<T>(client, method, request, bearer(token));

  const failed = (answer: GrpcAnswer<unknown>): GrpcFailure => {
    if (answer.ok) throw new Error(`expected a failure, got ${JSON.stringify(answer.value)}`);
    return answer;
  };
  const value = <T>(answer: GrpcAnswer<T>): T => {
    if (!answer.ok) throw new Error(`gRPC failed: ${answer.code} ${answer.message}`);
    return answer.value;
  };

  /** The same refusal: REST's status and body against gRPC's code, reason and violations. */
  const sameRefusal = (
    http: { status: number; body: Json },
    answer: GrpcAnswer<unknown>,
    status: number,
    code: Status,
  ): void => {
    const refusal = failed(answer);
    expect({ status: http.status, code: refusal.code }).toEqual({ status, code });
    // A message naming the server's clock differs by the milliseconds between the two calls.
    const clockless = (body: unknown): unknown =>
      JSON.parse(JSON.stringify(body).replace(/server time [0-9TZ:.-]+/g, 'server time T'));
    expect(clockless({ error: refusal.reason, details: refusal.issues })).toEqual(
      clockless(http.body),
    );
  };

  beforeAll(async () => {
    for (const app of ['ingestion', 'projector', 'query']) distMain(app);
    db = await createScratchDatabase('cx_grpc');
    const keys = new ApiKeyStore(db.pool);
    admin = (
      await keys.issue({
        name: 'grpc parity',
        scopes: ['touchpoints:write', 'customers:read', 'personal:read', 'analytics:read'],
      })
    ).key;
    readOnly = (await keys.issue({ name: 'grpc reader', scopes: ['customers:read'] })).key;
    const env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers(),
      PROJECTOR_GROUP: `projector.${RUN}`,
      PROJECTOR_SESSION_TIMEOUT_MS: '6000',
      CX_AUTH: 'on',
    };
    [ingestion, projector, query] = await Promise.all([
      startService('ingestion', env, 'ingestion'),
      startService('projector', env, 'projector'),
      startService('query', env, 'query'),
    ]);
    writer = connect('ingestion', ingestion.grpcAddress);
    reader = connect('query', query.grpcAddress);
  });

  afterAll(async () => {
    writer?.close();
    reader?.close();
    for (const service of [ingestion, projector, query]) {
      if (service) await stopService(service, 'SIGKILL');
    }
    await db?.drop();
  });

  it('serves the standard health service and lists its services by reflection', async () => {
    for (const [service, own] of [
      [ingestion, 'cx.journey.v1.TouchpointIngestion'],
      [query, 'cx.journey.v1.CustomerJourneyQuery'],
    ] as const) {
      const health = connect('health', service.grpcAddress);
      // Public, like /health: no credential.
      expect(value(await unary(health, 'Check', { service: '' }, bearer(null)))).toEqual({
        status: 'SERVING',
      });
      expect(value(await unary(health, 'Check', { service: own }, bearer(null)))).toEqual({
        status: 'SERVING',
      });
      health.close();
      expect(await listServices(service.grpcAddress)).toEqual([own, 'grpc.health.v1.Health']);
    }
  });

  it('records a touchpoint either way, and each sees the other one as a duplicate', async () => {
    const viaRest = touchpoint();
    const viaGrpc = touchpoint();
    const stored = await rest(ingestion, 'POST', '/v1/touchpoints', viaRest);
    expect(stored.status).toBe(202);
    const again = value(await grpc(writer, 'Record', message(viaRest)));
    expect(again).toEqual({ ...stored.body, status: 'duplicate' });

    const recorded = value(await grpc(writer, 'Record', message(viaGrpc)));
    expect(recorded).toMatchObject({ touchpointId: viaGrpc.touchpointId, status: 'accepted' });
    const restAgain = await rest(ingestion, 'POST', '/v1/touchpoints', viaGrpc);
    expect(restAgain).toEqual({ status: 202, body: { ...recorded, status: 'duplicate' } });

    // Another payload under a stored id: 409 and ALREADY_EXISTS with the same details.
    const changed = { ...viaRest, survey: { nps: 1 } };
    sameRefusal(
      await rest(ingestion, 'POST', '/v1/touchpoints', changed),
      await grpc(writer, 'Record', message(changed)),
      409,
      Status.ALREADY_EXISTS,
    );
  });

  it.each(INVALID)('refuses %s with the same violations as REST', async (_, body) => {
    const http = await rest(ingestion, 'POST', '/v1/touchpoints', restBody(body));
    sameRefusal(http, await grpc(writer, 'Record', message(body)), 400, Status.INVALID_ARGUMENT);
    expect((http.body.details as unknown[]).length).toBeGreaterThan(0);
  });

  it('records a batch atomically either way, with the same item results', async () => {
    const items = [touchpoint(), touchpoint({ customerId: customer(2) }), touchpoint()];
    const recorded = value(
      await grpc<Json>(writer, 'RecordBatch', { touchpoints: items.map(message) }),
    );
    expect(recorded.summary).toEqual({ accepted: 3, duplicate: 0, conflict: 0 });
    const http = await rest(ingestion, 'POST', '/v1/touchpoints/batch', { touchpoints: items });
    expect(http.status).toBe(202);
    expect(http.body).toEqual({
      results: (recorded.results as Json[]).map((r) => ({ ...r, status: 'duplicate' })),
      summary: { accepted: 0, duplicate: 3, conflict: 0 },
    });

    // One bad item refuses all, named by its index; nothing of the batch is stored.
    const bad = [touchpoint(), touchpoint({ survey: { nps: 11 } }), touchpoint({ channel: 'fax' })];
    sameRefusal(
      await rest(ingestion, 'POST', '/v1/touchpoints/batch', { touchpoints: bad }),
      await grpc(writer, 'RecordBatch', { touchpoints: bad.map(message) }),
      400,
      Status.INVALID_ARGUMENT,
    );
    const first = await rest(ingestion, 'POST', '/v1/touchpoints', bad[0]);
    expect(first.body.status).toBe('accepted');
    sameRefusal(
      await rest(ingestion, 'POST', '/v1/touchpoints/batch', { touchpoints: [] }),
      await grpc(writer, 'RecordBatch', { touchpoints: [] }),
      400,
      Status.INVALID_ARGUMENT,
    );
  });

  it('streams a bulk load: valid messages stored, invalid ones answered with their violations', async () => {
    const messages = [
      touchpoint({ customerId: customer(3) }),
      touchpoint({ customerId: customer(3), survey: { nps: 11 } }),
      touchpoint({ customerId: customer(3), interaction: 'inquiry', survey: null }),
      without(touchpoint({ customerId: customer(3) }), 'channel'),
      touchpoint({
        customerId: customer(3),
        interaction: 'purchase',
        survey: null,
        value: { amount: 10, currency: 'EUR' },
      }),
    ];
    const answer = value(
      await clientStream<Json>(writer, 'RecordStream', messages.map(message), bearer(admin)),
    );
    expect(answer.summary).toEqual({ accepted: 3, duplicate: 0, conflict: 0, invalid: 2 });
    const results = answer.results as Json[];
    expect(results.map((r) => [r.index, r.status])).toEqual([
      [0, 'accepted'],
      [1, 'invalid'],
      [2, 'accepted'],
      [3, 'invalid'],
      [4, 'accepted'],
    ]);
    for (const index of [1, 3]) {
      const http = await rest(
        ingestion,
        'POST',
        '/v1/touchpoints',
        restBody(messages[index] as Record<string, unknown>),
      );
      expect(http.status).toBe(400);
      expect(
        (results[index]?.violations as { field: string; description: string }[]).map((v) => ({
          path: v.field,
          message: v.description,
        })),
      ).toEqual(http.body.details);
    }
    for (const index of [0, 2, 4]) {
      const http = await rest(
        ingestion,
        'POST',
        '/v1/touchpoints',
        restBody(messages[index] as Record<string, unknown>),
      );
      expect(http.body).toEqual({
        touchpointId: results[index]?.touchpointId,
        status: 'duplicate',
        position: results[index]?.position,
      });
    }
  });

  it('answers every query as REST does, paging included', async () => {
    const last = value(
      await grpc<Json>(writer, 'Record', message(touchpoint({ customerId: customer(2) }))),
    );
    const fresh = { minPosition: last.position as number, waitMs: 20_000 };
    const qs = `minPosition=${fresh.minPosition}&waitMs=${fresh.waitMs}`;
    for (const id of [customer(1), customer(2), customer(3)]) {
      for (const [method, path] of [
        ['GetProfile', ''],
        ['GetJourney', '/journey'],
        ['GetEmotion', '/emotion'],
        ['GetLoyalty', '/loyalty'],
      ] as const) {
        const http = await rest(query, 'GET', `/v1/customers/${id}${path}?${qs}`);
        expect(http.status).toBe(200);
        const answer = value(await grpc(reader, method, { customerId: id, ...fresh }));
        expect(asRestJson(answer)).toEqual(withoutNulls(http.body));
      }
      // The timeline page by page, following each side's own cursor.
      let restCursor: string | null = null;
      let grpcCursor: string | undefined;
      let pages = 0;
      do {
        const http = await rest(
          query,
          'GET',
          `/v1/customers/${id}/touchpoints?limit=1${restCursor === null ? '' : `&cursor=${restCursor}`}`,
        );
        const answer = value(
          await grpc<Json>(reader, 'ListTouchpoints', {
            customerId: id,
            limit: 1,
            ...(grpcCursor === undefined ? {} : { cursor: grpcCursor }),
          }),
        );
        expect(asRestJson(answer)).toEqual(withoutNulls(http.body));
        restCursor = http.body.nextCursor as string | null;
        grpcCursor = answer.nextCursor as string | undefined;
        pages += 1;
      } while (restCursor !== null);
      expect(grpcCursor).toBeUndefined();
      expect(pages).toBeGreaterThan(1);
    }

    // The broker is shared: the read model also holds customers of other suites, which this
    // projector may still be applying. Each side pages through the whole listing; our customers
    // (settled by minPosition) must come out the same, and every page must match in shape.
    const ours = (items: Json[]): Json[] =>
      items.filter((c) => String(c.customerId).startsWith(`${RUN}-`));
    const viaRest: Json[] = [];
    const viaGrpc: Json[] = [];
    let restCursor: string | null = null;
    let grpcCursor: string | undefined;
    do {
      const http = await rest(
        query,
        'GET',
        `/v1/customers?limit=200&${qs}${restCursor === null ? '' : `&cursor=${restCursor}`}`,
      );
      viaRest.push(...ours(withoutNulls(http.body.items) as Json[]));
      restCursor = http.body.nextCursor as string | null;
    } while (restCursor !== null);
    do {
      const answer = value(
        await grpc<Json>(reader, 'ListCustomers', {
          limit: 200,
          ...fresh,
          ...(grpcCursor === undefined ? {} : { cursor: grpcCursor }),
        }),
      );
      viaGrpc.push(...ours(asRestJson(answer.items) as Json[]));
      grpcCursor = answer.nextCursor as string | undefined;
    } while (grpcCursor !== undefined);
    expect(viaGrpc).toEqual(viaRest);
    expect(viaRest.map((c) => c.customerId)).toEqual([customer(1), customer(2), customer(3)]);
    // Paging itself: the first page of one, then the page its cursor points at.
    const firstPage = await rest(query, 'GET', '/v1/customers?limit=1');
    const grpcFirst = value(await grpc<Json>(reader, 'ListCustomers', { limit: 1 }));
    expect(typeof grpcFirst.nextCursor).toBe('string');
    expect(typeof firstPage.body.nextCursor).toBe('string');

    // Answers over every customer of the read model can move while other suites' events are
    // applied: compared until two answers in a row agree.
    const settled = async (path: string, method: string, request: Json): Promise<void> => {
      for (let attempt = 1; ; attempt += 1) {
        const http = await rest(query, 'GET', path);
        expect(http.status).toBe(200);
        const answer = value(await grpc(reader, method, request));
        const again = await rest(query, 'GET', path);
        if (JSON.stringify(http.body) === JSON.stringify(again.body) || attempt === 20) {
          expect(asRestJson(answer)).toEqual(withoutNulls(http.body));
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    await settled('/v1/customers?status=active&stage=satisfaction', 'ListCustomers', {
      status: 'active',
      stage: 'satisfaction',
    });
    const window = 'from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z';
    for (const extra of ['', '&interval=month', '&groupBy=channel&timeZone=Europe/Madrid']) {
      const parameters = Object.fromEntries(new URLSearchParams(`${window}${extra}`));
      await settled(`/v1/metrics?${window}${extra}&${qs}`, 'GetMetrics', {
        ...parameters,
        ...fresh,
      });
    }
  });

  it('refuses bad parameters, unknown customers and a projection behind as REST does', async () => {
    const cases: [string, Json, string, number, Status][] = [
      [
        'GetProfile',
        { customerId: `${RUN}-nobody` },
        `/v1/customers/${RUN}-nobody`,
        404,
        Status.NOT_FOUND,
      ],
      [
        'GetJourney',
        { customerId: 'has space' },
        '/v1/customers/has%20space/journey',
        400,
        Status.INVALID_ARGUMENT,
      ],
      [
        'GetEmotion',
        { customerId: customer(1), waitMs: 40_000 },
        `/v1/customers/${customer(1)}/emotion?waitMs=40000`,
        400,
        Status.INVALID_ARGUMENT,
      ],
      [
        'GetLoyalty',
        { customerId: customer(1), minPosition: 0 },
        `/v1/customers/${customer(1)}/loyalty?minPosition=0`,
        400,
        Status.INVALID_ARGUMENT,
      ],
      [
        'ListTouchpoints',
        { customerId: customer(1), limit: 0 },
        `/v1/customers/${customer(1)}/touchpoints?limit=0`,
        400,
        Status.INVALID_ARGUMENT,
      ],
      [
        'ListTouchpoints',
        { customerId: customer(1), cursor: 'nope' },
        `/v1/customers/${customer(1)}/touchpoints?cursor=nope`,
        400,
        Status.INVALID_ARGUMENT,
      ],
      [
        'ListCustomers',
        { stage: 'nirvana', limit: 201 },
        '/v1/customers?stage=nirvana&limit=201',
        400,
        Status.INVALID_ARGUMENT,
      ],
      [
        'GetMetrics',
        { from: 'yesterday', groupBy: 'planet' },
        '/v1/metrics?from=yesterday&groupBy=planet',
        400,
        Status.INVALID_ARGUMENT,
      ],
      [
        'GetProfile',
        { customerId: customer(1), minPosition: 900_000_000, waitMs: 50 },
        `/v1/customers/${customer(1)}?minPosition=900000000&waitMs=50`,
        503,
        Status.UNAVAILABLE,
      ],
    ];
    for (const [method, request, path, status, code] of cases) {
      sameRefusal(
        await rest(query, 'GET', path),
        await grpc(reader, method, request),
        status,
        code,
      );
    }
    const behind = failed(
      await grpc(reader, 'GetProfile', {
        customerId: customer(1),
        minPosition: 900_000_000,
        waitMs: 50,
      }),
    );
    expect(behind.retryDelaySeconds).toBe(1);
  });

  it('holds messages to the REST body limits', async () => {
    const huge = touchpoint({ source: 's'.repeat(1024 * 1024 + 1) });
    sameRefusal(
      await rest(ingestion, 'POST', '/v1/touchpoints', huge),
      await grpc(writer, 'Record', message(huge)),
      413,
      Status.RESOURCE_EXHAUSTED,
    );
    // Over the 5 MB a batch may weigh: refused by the server before any handler.
    const overBatch = failed(
      await grpc(writer, 'RecordBatch', {
        touchpoints: Array.from({ length: 6 }, () =>
          message(touchpoint({ source: 's'.repeat(1024 * 1024) })),
        ),
      }),
    );
    expect(overBatch.code).toBe(Status.RESOURCE_EXHAUSTED);
    // The query service takes requests of a few parameters: 64 KB at most.
    const overQuery = failed(await grpc(reader, 'GetProfile', { customerId: 'c'.repeat(70_000) }));
    expect(overQuery.code).toBe(Status.RESOURCE_EXHAUSTED);
    // Within the limits, a large touchpoint is only refused for what it says.
    const long = failed(
      await grpc(writer, 'Record', message(touchpoint({ source: 's'.repeat(900_000) }))),
    );
    expect(long.code).toBe(Status.INVALID_ARGUMENT);
  });

  it('admits the same credentials as REST: none, wrong scope, good key', async () => {
    const body = touchpoint();
    sameRefusal(
      await rest(ingestion, 'POST', '/v1/touchpoints', body, null),
      await grpc(writer, 'Record', message(body), null),
      401,
      Status.UNAUTHENTICATED,
    );
    sameRefusal(
      await rest(ingestion, 'POST', '/v1/touchpoints', body, 'cxk_0000000000000000_nope'),
      await grpc(writer, 'Record', message(body), 'cxk_0000000000000000_nope'),
      401,
      Status.UNAUTHENTICATED,
    );
    sameRefusal(
      await rest(ingestion, 'POST', '/v1/touchpoints', body, readOnly),
      await grpc(writer, 'Record', message(body), readOnly),
      403,
      Status.PERMISSION_DENIED,
    );
    sameRefusal(
      await rest(
        query,
        'GET',
        '/v1/metrics?from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
        undefined,
        readOnly,
      ),
      await grpc(
        reader,
        'GetMetrics',
        { from: '2025-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
        readOnly,
      ),
      403,
      Status.PERMISSION_DENIED,
    );
    const streamed = await clientStream(writer, 'RecordStream', [message(body)], bearer(readOnly));
    expect(failed(streamed).code).toBe(Status.PERMISSION_DENIED);
    // A reader without personal:read sees the timeline with personal data withheld, as on REST.
    const http = await rest(
      query,
      'GET',
      `/v1/customers/${customer(1)}/touchpoints`,
      undefined,
      readOnly,
    );
    const answer = value(
      await grpc(reader, 'ListTouchpoints', { customerId: customer(1) }, readOnly),
    );
    expect(asRestJson(answer)).toEqual(withoutNulls(http.body));
    expect(JSON.stringify(http.body)).toContain('"withheld"');
    // Reads of personal data are audited on both transports.
    const { rows } = await db.pool.query<{ method: string; path: string }>(
      `SELECT method, path FROM audit_log WHERE action = 'personal.read' AND customer_id = $1`,
      [customer(1)],
    );
    expect(rows.map((r) => r.method)).toEqual(expect.arrayContaining(['GET', 'GRPC']));
    expect(rows.map((r) => r.path)).toContain(
      '/cx.journey.v1.CustomerJourneyQuery/ListTouchpoints',
    );
  });
});
