import { Agent, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import fc from 'fast-check';
import { parseTouchpoint, type ErrorBody } from '@cx/contracts';
import type { Touchpoint } from '@cx/domain';
import { EventStore, PersonalDataCipher } from '@cx/event-store';
import { OutboxRelay } from '@cx/messaging';
import { createHttpAdapter } from '@cx/platform';
import { IngestionConfig } from '../../apps/ingestion/src/config/ingestion.config';
import { configureIngestionHttp } from '../../apps/ingestion/src/ingestion.http';
import { IngestionModule } from '../../apps/ingestion/src/ingestion.module';
import { QueryConfig } from '../../apps/query/src/config/query.config';
import { configureQueryHttp } from '../../apps/query/src/query.http';
import { QueryModule } from '../../apps/query/src/query.module';
import { seedReadModel } from '../query/query-test-database';
import { rawHttp } from '../support/raw-http';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import {
  anyPath,
  batchOf,
  bodyInputs,
  hostileString,
  nearValidTouchpoint,
  pathSegment,
  queryString,
  type BodyInput,
} from './support/hostile-inputs';

/**
 * "No input produces a 5xx": generated hostile input against both REST services, in process on
 * real Postgres. Every answer must be 2xx or 4xx with the `{ error, details }` body for a 4xx;
 * a refused write stores nothing (rows of `touchpoint_events` counted around every request); an
 * accepted one stores exactly what it reports; the services stay alive. `CX_FUZZ_RUNS` sets the
 * inputs per endpoint (default 1,000); a failure prints the fast-check seed and path to replay.
 * The only 5xx allowed is the documented `503 projection_not_caught_up` of a query whose
 * `minPosition` lies beyond what is projected (the fuzz never makes it wait long).
 */

function runsFromEnv(): number {
  const raw = process.env.CX_FUZZ_RUNS ?? '1000';
  const runs = Number(raw);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`CX_FUZZ_RUNS=${raw}: not a count`);
  return runs;
}

const RUNS = runsFromEnv();
const SEED =
  process.env.CX_FUZZ_SEED === undefined ? {} : { seed: Number(process.env.CX_FUZZ_SEED) };
/** Per property: the default runs take seconds; 10,000 runs a few minutes. */
const TIMEOUT_MS = 120_000 + RUNS * 60;

/** The longest any one request may take; the slowest legitimate one is well under a second. */
const ANSWER_TIMEOUT_MS = 15_000;

interface Answer {
  readonly status: number;
  readonly text: string;
}

/** One request on a keep-alive connection; path and bytes go out exactly as given. */
function send(
  agent: Agent,
  port: number,
  method: string,
  path: string,
  headers: Readonly<Record<string, string>> = {},
  body?: Buffer,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    // A request the service never answers is a finding too, not a hang of the suite.
    req.setTimeout(ANSWER_TIMEOUT_MS, () =>
      req.destroy(new Error(`no answer within ${ANSWER_TIMEOUT_MS} ms to ${method} ${path}`)),
    );
    req.end(body);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The `{ error, details: [{ path, message }] }` of every refusal. */
function expectErrorBody(answer: Answer): ErrorBody {
  const body = parseJson(answer.text) as { error?: unknown; details?: unknown } | undefined;
  const details: unknown[] = Array.isArray(body?.details) ? (body.details as unknown[]) : [];
  const ok =
    typeof body?.error === 'string' &&
    Array.isArray(body.details) &&
    details.every((d) => {
      const { path, message } = (d ?? {}) as { path?: unknown; message?: unknown };
      return typeof path === 'string' && typeof message === 'string';
    });
  if (!ok) throw new Error(`${answer.status} without the error body: ${answer.text.slice(0, 300)}`);
  return body as ErrorBody;
}

/** Statuses per endpoint, and time spent, for the summary printed at the end. */
const tally = new Map<string, { statuses: Map<number, number>; inputs: number; ms: number }>();
function count(endpoint: string, status: number): void {
  const entry = tally.get(endpoint) ?? { statuses: new Map(), inputs: 0, ms: 0 };
  entry.inputs += 1;
  entry.statuses.set(status, (entry.statuses.get(status) ?? 0) + 1);
  tally.set(endpoint, entry);
}
async function timed(endpoint: string, work: () => Promise<void>): Promise<void> {
  const started = performance.now();
  try {
    await work();
  } finally {
    const entry = tally.get(endpoint);
    if (entry) entry.ms += performance.now() - started;
  }
}

function describeInput(input: BodyInput): string {
  const text = input.bytes.toString('utf8');
  return `${input.kind} ${JSON.stringify(input.headers)} ${text.length > 400 ? `${text.slice(0, 400)}…` : text}`;
}

/** Seed data for the query service: three customers, projected as the projector would. */
function seedTouchpoints(): Touchpoint[] {
  const now = new Date();
  const inputs = [
    { customerId: 'fz-c-1', interaction: 'purchase', value: { amount: 10, currency: 'EUR' } },
    { customerId: 'fz-c-1', interaction: 'survey_response', survey: { nps: 10, csat: 5 } },
    { customerId: 'fz-c-2', interaction: 'complaint_opened', complaintId: 'k', reason: 'delay' },
    { customerId: 'fz-c-3', interaction: 'feedback', text: 'fine', sentiment: 0.5 },
  ];
  return inputs.map((extra, i) => {
    const r = parseTouchpoint(
      {
        touchpointId: `fz-seed-${i}`,
        occurredAt: new Date(Date.UTC(2025, 0, 1 + i)).toISOString(),
        channel: 'support',
        ...extra,
      },
      { now },
    );
    if (!r.ok) throw new Error(JSON.stringify(r.issues));
    return r.touchpoint;
  });
}

describe('HTTP fuzz: no input gets a 5xx (real Postgres)', () => {
  let ingestionDb: ScratchDatabase;
  let queryDb: ScratchDatabase;
  let ingestion: INestApplication;
  let query: INestApplication;
  let ingestionPort: number;
  let queryPort: number;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const seededCustomers = ['fz-c-1', 'fz-c-2', 'fz-c-3'];

  const storedRows = async (): Promise<number> => {
    const result = await ingestionDb.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM touchpoint_events',
    );
    return result.rows[0]?.n ?? 0;
  };

  const portOf = (app: INestApplication): number =>
    ((app.getHttpServer() as Server).address() as AddressInfo).port;

  const expectAlive = async (): Promise<void> => {
    for (const port of [ingestionPort, queryPort]) {
      const answer = await send(agent, port, 'GET', '/health/live');
      expect(answer.status).toBe(200);
    }
  };

  beforeAll(async () => {
    [ingestionDb, queryDb] = await Promise.all([
      createScratchDatabase('cx_fuzz_in'),
      createScratchDatabase('cx_fuzz_q'),
    ]);

    // Accepted fuzz touchpoints stay in this file's database: the relay that would publish them
    // to the topic other suites consume is replaced by one that does nothing.
    const inertRelay = {
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
      status: () => Promise.resolve(null),
    };
    const ingestionConfig = Object.assign(new IngestionConfig(), {
      DATABASE_URL: ingestionDb.url,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS,
      PORT: 0,
      GRPC_PORT: 0,
      // The fuzzing is about what a body, a path or a header can do past access control.
      CX_AUTH: 'off',
      CX_INBOUND: 'off',
    });
    const ingestionRef = await Test.createTestingModule({
      imports: [IngestionModule.forRoot(ingestionConfig)],
    })
      .overrideProvider(OutboxRelay)
      .useValue(inertRelay)
      .compile();
    ingestion = ingestionRef.createNestApplication(createHttpAdapter(), {
      bodyParser: false,
      logger: ['error', 'warn'],
    });
    configureIngestionHttp(ingestion);
    await ingestion.listen(0, '127.0.0.1');
    ingestionPort = portOf(ingestion);

    const store = new EventStore(queryDb.pool, new PersonalDataCipher(queryDb.keyPool));
    const seed = seedTouchpoints();
    const results = await store.append(seed);
    await seedReadModel(
      queryDb.pool,
      seed.map((touchpoint, i) => ({ touchpoint, position: results[i]?.position ?? 0 })),
    );
    const queryConfig = Object.assign(new QueryConfig(), {
      DATABASE_URL: queryDb.url,
      PORT: 0,
      GRPC_PORT: 0,
      QUERY_DEFAULT_WAIT_MS: 0,
      CX_AUTH: 'off',
    });
    const queryRef = await Test.createTestingModule({
      imports: [QueryModule.forRoot(queryConfig)],
    }).compile();
    query = queryRef.createNestApplication(createHttpAdapter(), {
      bodyParser: false,
      logger: ['error', 'warn'],
    });
    configureQueryHttp(query);
    await query.listen(0, '127.0.0.1');
    queryPort = portOf(query);
  });

  afterAll(async () => {
    agent.destroy();
    await ingestion?.close();
    await query?.close();
    await ingestionDb?.drop();
    await queryDb?.drop();
    const lines = [...tally.entries()].map(([endpoint, { statuses, inputs, ms }]) => {
      const byStatus = [...statuses.entries()]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(' ');
      return `${endpoint.padEnd(40)} ${String(inputs).padStart(6)} inputs ${(ms / 1000).toFixed(1).padStart(6)} s  ${byStatus}`;
    });
    console.log(`HTTP fuzz, ${RUNS} runs per property:\n${lines.join('\n')}`);
  });

  it('both services answer a 64 KB header with 431 and the JSON error body', async () => {
    for (const port of [ingestionPort, queryPort]) {
      const answer = await rawHttp(
        port,
        `GET /v1/customers/fz-c-1 HTTP/1.1\r\nHost: x\r\nX-Padding: ${'p'.repeat(64 * 1024)}\r\n\r\n`,
      );
      expect(answer.error).toBeUndefined();
      expect(answer.status).toBe(431);
      expect(expectErrorBody({ status: 431, text: answer.body }).error).toBe('headers_too_large');
    }
  });

  /** Rows of `touchpoint_events` after the last request (only the fuzz writes this database). */
  let rows = 0;

  /** Sends a body to an ingestion endpoint and checks the answer and the rows it stored. */
  async function checkIngestion(endpoint: string, path: string, input: BodyInput): Promise<void> {
    const answer = await send(agent, ingestionPort, 'POST', path, input.headers, input.bytes);
    count(endpoint, answer.status);
    const before = rows;
    const after = await storedRows();
    // Taken before any check can throw, so that shrinking compares against the true count.
    rows = after;
    const context = `${answer.status} ${answer.text.slice(0, 300)}\n  for ${describeInput(input)}`;
    if (
      answer.status < 200 ||
      answer.status >= 500 ||
      (answer.status >= 300 && answer.status < 400)
    )
      throw new Error(`answered ${context}`);
    if (answer.status >= 400) {
      const body = expectErrorBody(answer);
      if (after !== before) throw new Error(`stored ${after - before} rows on ${context}`);
      if (input.mustRefuse?.status !== undefined && input.mustRefuse.status !== answer.status)
        throw new Error(`expected ${input.mustRefuse.status}, got ${context}`);
      if (input.mustRefuse?.error !== undefined && input.mustRefuse.error !== body.error)
        throw new Error(`expected ${input.mustRefuse.error}, got ${context}`);
      return;
    }
    if (input.mustRefuse !== undefined)
      throw new Error(`accepted what must be refused: ${context}`);
    const body = parseJson(answer.text) as
      { status?: string; summary?: { accepted: number } } | undefined;
    const expected = body?.summary?.accepted ?? (body?.status === 'accepted' ? 1 : 0);
    if (after - before !== expected)
      throw new Error(`stored ${after - before} rows, reported ${expected}: ${context}`);
  }

  it(
    `POST /v1/touchpoints: ${RUNS} generated bodies`,
    async () => {
      rows = await storedRows();
      await timed('POST /v1/touchpoints', () =>
        fc.assert(
          fc.asyncProperty(bodyInputs(nearValidTouchpoint), (input) =>
            checkIngestion('POST /v1/touchpoints', '/v1/touchpoints', input),
          ),
          { numRuns: RUNS, ...SEED },
        ),
      );
      await expectAlive();
    },
    TIMEOUT_MS,
  );

  it(
    `POST /v1/touchpoints/batch: ${RUNS} generated bodies`,
    async () => {
      rows = await storedRows();
      await timed('POST /v1/touchpoints/batch', () =>
        fc.assert(
          fc.asyncProperty(bodyInputs(batchOf(nearValidTouchpoint)), (input) =>
            checkIngestion('POST /v1/touchpoints/batch', '/v1/touchpoints/batch', input),
          ),
          { numRuns: RUNS, ...SEED },
        ),
      );
      await expectAlive();
    },
    TIMEOUT_MS,
  );

  const QUERY_ROUTES: readonly [string, (id: string) => string][] = [
    ['GET /v1/customers/{id}', (id) => `/v1/customers/${id}`],
    ['GET /v1/customers/{id}/journey', (id) => `/v1/customers/${id}/journey`],
    ['GET /v1/customers/{id}/emotion', (id) => `/v1/customers/${id}/emotion`],
    ['GET /v1/customers/{id}/loyalty', (id) => `/v1/customers/${id}/loyalty`],
    ['GET /v1/customers/{id}/touchpoints', (id) => `/v1/customers/${id}/touchpoints`],
    ['GET /v1/customers', () => '/v1/customers'],
  ];

  /** What else a client may put around the route: extra segments, a trailing slash. */
  const suffix = fc.oneof(
    { weight: 8, arbitrary: fc.constant('') },
    { weight: 1, arbitrary: fc.constant('/') },
    { weight: 1, arbitrary: pathSegment([]).map((s) => `/${s}`) },
  );

  it.each(QUERY_ROUTES)(
    `%s: ${RUNS} generated paths and query strings`,
    async (endpoint, route) => {
      await timed(endpoint, () =>
        fc.assert(
          fc.asyncProperty(
            pathSegment(seededCustomers),
            suffix,
            queryString,
            fc.oneof(
              { weight: 12, arbitrary: fc.constant(undefined) },
              { weight: 1, arbitrary: hostileString.map((s) => Buffer.from(`{"a":"${s}"}`)) },
            ),
            async (segment, tail, search, body) => {
              const path = `${route(segment)}${tail}${search}`;
              const headers: Record<string, string> = body
                ? { 'content-type': 'application/json' }
                : {};
              const answer = await send(agent, queryPort, 'GET', path, headers, body);
              count(endpoint, answer.status);
              const context = `${answer.status} ${answer.text.slice(0, 300)}\n  for GET ${path}`;
              if (answer.status >= 400) {
                const error = expectErrorBody(answer);
                const notCaughtUp =
                  answer.status === 503 && error.error === 'projection_not_caught_up';
                if (answer.status >= 500 && !notCaughtUp) throw new Error(`answered ${context}`);
              } else if (answer.status !== 200 || parseJson(answer.text) === undefined) {
                throw new Error(`answered ${context}`);
              }
            },
          ),
          { numRuns: RUNS, ...SEED },
        ),
      );
      await expectAlive();
    },
    TIMEOUT_MS,
  );

  it(
    `raw TCP: ${RUNS} generated requests, bytes and oversized headers, to both services`,
    async () => {
      const requestHead = fc
        .tuple(
          fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'BREW', ''),
          anyPath,
          fc.constantFrom('HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 ', 'HTTP/9.9', ''),
          fc.array(
            fc.oneof(
              fc.constantFrom(
                'Host: x',
                'Content-Type: application/json',
                'Content-Length: 5',
                'Content-Length: -1',
                'Content-Length: 99999999999',
                'Transfer-Encoding: chunked',
                'Transfer-Encoding: gzip, chunked',
                'Expect: 100-continue',
                'Connection: keep-alive',
                'Host x',
                ' folded: header',
                'X-\u0000: y',
              ),
              fc.integer({ min: 1, max: 80 }).map((kb) => `X-Big: ${'b'.repeat(kb * 1024)}`),
              fc.string({ unit: 'binary-ascii', maxLength: 40 }),
            ),
            { maxLength: 5 },
          ),
          fc.constantFrom('\r\n', '\n', '\r'),
          fc.oneof(fc.constant(''), fc.constant('{"a":1}'), fc.constant('5\r\nhello\r\n0\r\n\r\n')),
        )
        .map(
          ([method, path, version, headers, eol, body]) =>
            `${method} ${path} ${version}${eol}${headers.map((h) => `${h}${eol}`).join('')}${eol}${body}`,
        );
      const request = fc.oneof(
        { weight: 3, arbitrary: requestHead.map((text) => Buffer.from(text, 'latin1')) },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)) },
      );
      rows = await storedRows();
      await timed('raw TCP (both services)', () =>
        fc.assert(
          fc.asyncProperty(request, fc.boolean(), async (bytes, toIngestion) => {
            const answer = await rawHttp(
              toIngestion ? ingestionPort : queryPort,
              bytes,
              ANSWER_TIMEOUT_MS,
            );
            count('raw TCP (both services)', answer.status ?? 0);
            const context = `${answer.raw.slice(0, 300)} (${answer.error ?? 'no error'})\n  for ${JSON.stringify(bytes.toString('latin1').slice(0, 300))}`;
            if (answer.error === 'timeout') throw new Error(`no answer in time: ${context}`);
            if (answer.status !== undefined && answer.status >= 500)
              throw new Error(`answered ${context}`);
            // Every refusal carries the error body, also those of the HTTP parser (not on HEAD).
            if (
              answer.status !== undefined &&
              answer.status >= 400 &&
              !bytes.toString('latin1').startsWith('HEAD ')
            )
              expectErrorBody({ status: answer.status, text: answer.body });
            const before = rows;
            rows = await storedRows();
            if (rows !== before && (answer.status === undefined || answer.status >= 300))
              throw new Error(`stored ${rows - before} rows: ${context}`);
          }),
          { numRuns: RUNS, ...SEED },
        ),
      );
      await expectAlive();
    },
    TIMEOUT_MS,
  );
});
