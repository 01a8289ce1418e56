import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { PROTO_FILES, protoRoot } from '@cx/contracts';
import { ApiKeyStore } from '@cx/event-store';
import { kafkaBrokers } from '../support/stack';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import {
  distMain,
  startService,
  stopService,
  type RunningService,
} from '../projector/support/services';
import { withoutNulls } from './support/grpc-client';

/** REST JSON as Python's JSON mapping writes it: no nulls, no empty lists. */
function asPythonWrites(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(asPythonWrites);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(withoutNulls(value) as Record<string, unknown>)) {
    if (Array.isArray(field) && field.length === 0) continue;
    out[key] = asPythonWrites(field);
  }
  return out;
}

jest.setTimeout(300_000);

const run = promisify(execFile);

/** Debian's python3-grpc-tools (`.ci/run` installs it): the system interpreter, not a pyenv one. */
const PYTHON = '/usr/bin/python3';
const HEALTH_PROTO_DIR = join(dirname(require.resolve('grpc-health-check/package.json')), 'proto');
const RUN = `py-${randomBytes(3).toString('hex')}`;

type Json = Record<string, unknown>;

/**
 * The issue's "a client generated in another language calls every method": Python stubs
 * generated from our `.proto` files by grpcio-tools, run against the built services.
 */
describe('a Python client generated from the .proto files (built services)', () => {
  let db: ScratchDatabase;
  let services: RunningService[] = [];
  let stubs: string;
  let token: string;

  beforeAll(async () => {
    for (const app of ['ingestion', 'projector', 'query']) distMain(app);
    stubs = await mkdtemp(join(tmpdir(), 'cx-python-stubs-'));
    await run(PYTHON, [
      '-m',
      'grpc_tools.protoc',
      `-I${protoRoot()}`,
      `-I${HEALTH_PROTO_DIR}`,
      `--python_out=${stubs}`,
      `--grpc_python_out=${stubs}`,
      ...Object.values(PROTO_FILES),
      'health/v1/health.proto',
    ]);
    db = await createScratchDatabase('cx_py');
    token = (
      await new ApiKeyStore(db.pool).issue({
        name: 'python client',
        scopes: ['touchpoints:write', 'customers:read', 'personal:read', 'analytics:read'],
      })
    ).key;
    const env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers(),
      PROJECTOR_GROUP: `projector.${RUN}`,
      PROJECTOR_SESSION_TIMEOUT_MS: '6000',
      CX_AUTH: 'on',
    };
    services = await Promise.all([
      startService('ingestion', env, 'ingestion'),
      startService('projector', env, 'projector'),
      startService('query', env, 'query'),
    ]);
  });

  afterAll(async () => {
    for (const service of services) await stopService(service, 'SIGKILL');
    await db?.drop();
    if (stubs !== undefined) await rm(stubs, { recursive: true, force: true });
  });

  it('calls every method of both services and the health check', async () => {
    const [ingestion, , query] = services as [RunningService, RunningService, RunningService];
    const { stdout } = await run(
      PYTHON,
      [
        join(__dirname, 'python', 'client.py'),
        stubs,
        ingestion.grpcAddress,
        query.grpcAddress,
        token,
        RUN,
      ],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    const out = JSON.parse(stdout) as Record<string, Json>;
    const customer = `${RUN}-py1`;

    expect(out.health).toEqual(['SERVING', 'SERVING']);
    expect(out.record).toMatchObject({ touchpointId: `${RUN}-py-1`, status: 'accepted' });
    expect(out.recordAgain).toEqual({ ...out.record, status: 'duplicate' });
    expect(out.invalid).toEqual({
      code: 'INVALID_ARGUMENT',
      reason: 'invalid_touchpoint',
      domain: 'cx-journey',
      violations: [{ path: 'survey.nps', message: 'must be an integer from 0 to 10' }],
    });
    expect(out.batch?.summary).toEqual({ accepted: 2, duplicate: 0, conflict: 0 });
    expect(out.stream?.summary).toEqual({ accepted: 2, duplicate: 0, conflict: 0, invalid: 1 });
    expect((out.stream?.results as Json[])[1]).toMatchObject({
      index: 1,
      status: 'invalid',
      violations: [
        { field: 'channel', description: expect.stringContaining('must be one of') as unknown },
      ],
    });
    expect(out.unknown).toMatchObject({ code: 'NOT_FOUND', reason: 'customer_not_found' });

    const rest = async (path: string): Promise<Json> => {
      const response = await fetch(`${query.url}${path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(200);
      return (await response.json()) as Json;
    };
    // Python's JSON mapping: camelCase names as REST; int64 as strings, so those are compared apart.
    expect(out.profile).toEqual(asPythonWrites(await rest(`/v1/customers/${customer}`)));
    expect(out.emotion).toEqual(asPythonWrites(await rest(`/v1/customers/${customer}/emotion`)));
    expect(out.loyalty).toEqual(asPythonWrites(await rest(`/v1/customers/${customer}/loyalty`)));
    const journey = await rest(`/v1/customers/${customer}/journey`);
    expect({ ...out.journey, lastPosition: Number(out.journey?.lastPosition) }).toEqual(
      asPythonWrites(journey),
    );
    const timeline = out.touchpoints as { items: Json[]; nextCursor?: string };
    expect(timeline.items).toHaveLength(2);
    expect(timeline.nextCursor).toEqual(expect.any(String));
    // The broker is shared with other suites: their customers are in this read model too.
    const listed = (out.customers?.items as Json[]).filter((c) => c.customerId === customer);
    expect(listed).toEqual([expect.objectContaining({ customerId: customer, touchpoints: 5 })]);
    // Metrics cover every customer, moving while other suites' events are applied: the shape.
    expect(out.metrics).toMatchObject({
      from: '2025-01-01T00:00:00.000Z',
      to: '2026-01-01T00:00:00.000Z',
      interval: 'month',
      timeZone: 'UTC',
    });
    expect((out.metrics?.rows as unknown[]).length).toBeGreaterThan(0);
  });
});
