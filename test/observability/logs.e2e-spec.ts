import { randomBytes } from 'node:crypto';
import { kafkaBrokers } from '../support/stack';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import {
  distMain,
  startService,
  stopService,
  type RunningService,
} from '../projector/support/services';

jest.setTimeout(180_000);

const RUN = `logs-${randomBytes(3).toString('hex')}`;
const CUSTOMER = `${RUN}-customer`;
/** Personal content of the touchpoint: it must never reach a log. */
const PERSONAL_TEXT = `call me on 555-0142, ${RUN} secret`;
const PERSONAL_ATTRIBUTE = `${RUN}-street-7`;

type LogLine = Record<string, unknown>;

function logLines(service: RunningService): LogLine[] {
  return service
    .stdout()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`${service.name} wrote a line that is not JSON: ${line}`);
      }
    });
}

async function requestLine(service: RunningService, requestId: string): Promise<LogLine> {
  for (let i = 0; i < 100; i += 1) {
    const line = logLines(service).find((l) => l.msg === 'request' && l.requestId === requestId);
    if (line) return line;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${service.name} logged no request line for ${requestId}:\n${service.stdout()}`);
}

/** The services as deployed, each logging JSON lines on stdout. */
describe('logs (e2e)', () => {
  let db: ScratchDatabase;
  let ingestion: RunningService;
  let projector: RunningService;
  let query: RunningService;

  beforeAll(async () => {
    for (const app of ['ingestion', 'projector', 'query']) distMain(app);
    db = await createScratchDatabase('cx_logs');
    const env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: kafkaBrokers(),
      PROJECTOR_GROUP: `projector.${RUN}`,
      PROJECTOR_SESSION_TIMEOUT_MS: '6000',
    };
    [ingestion, projector, query] = await Promise.all([
      startService('ingestion', env),
      startService('projector', env),
      startService('query', env),
    ]);
  });

  afterAll(async () => {
    for (const service of [projector, ingestion, query]) {
      if (service) await stopService(service, 'SIGKILL');
    }
    await db?.drop();
  });

  it('logs one line per request with its id, route template, status and duration, and nothing personal', async () => {
    const touchpoint = {
      touchpointId: `${RUN}-t1`,
      customerId: CUSTOMER,
      occurredAt: '2026-11-30T10:00:00.000Z',
      channel: 'chat',
      category: 'interactive',
      interaction: 'inquiry',
      text: PERSONAL_TEXT,
      attributes: { address: PERSONAL_ATTRIBUTE },
    };
    const accepted = await fetch(`${ingestion.url}/v1/touchpoints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': `${RUN}-post` },
      body: JSON.stringify(touchpoint),
    });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get('x-request-id')).toBe(`${RUN}-post`);
    const { position } = (await accepted.json()) as { position: number };

    const refused = await fetch(`${ingestion.url}/v1/touchpoints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'bad id with spaces' },
      body: JSON.stringify({ ...touchpoint, channel: 'carrier-pigeon' }),
    });
    expect(refused.status).toBe(400);
    const generated = refused.headers.get('x-request-id') ?? '';
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);

    const malformed = await fetch(`${ingestion.url}/v1/touchpoints`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': `${RUN}-malformed` },
      body: '{"touchpointId": ',
    });
    expect(malformed.status).toBe(400);

    const read = await fetch(
      `${query.url}/v1/customers/${CUSTOMER}?minPosition=${position}&waitMs=20000`,
    );
    expect(read.status).toBe(200);
    const readId = read.headers.get('x-request-id') ?? '';

    expect(await requestLine(ingestion, `${RUN}-post`)).toEqual(
      expect.objectContaining({
        level: 'info',
        service: 'ingestion',
        method: 'POST',
        route: '/v1/touchpoints',
        status: 202,
        durationMs: expect.any(Number) as unknown,
      }),
    );
    expect(await requestLine(ingestion, generated)).toEqual(
      expect.objectContaining({ route: '/v1/touchpoints', status: 400 }),
    );
    // Refused by the body parser before routing: still named by its route's template.
    expect(await requestLine(ingestion, `${RUN}-malformed`)).toEqual(
      expect.objectContaining({ route: '/v1/touchpoints', status: 400 }),
    );
    expect(await requestLine(query, readId)).toEqual(
      expect.objectContaining({
        service: 'query',
        method: 'GET',
        route: '/v1/customers/:customerId',
        status: 200,
      }),
    );

    for (const service of [ingestion, projector, query]) {
      const lines = logLines(service);
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        expect(line).toEqual(
          expect.objectContaining({
            level: expect.any(String) as unknown,
            time: expect.any(String) as unknown,
            service: service.name,
          }),
        );
      }
      const everything = service.output();
      expect(everything).not.toContain(PERSONAL_TEXT);
      expect(everything).not.toContain(PERSONAL_ATTRIBUTE);
      expect(everything).not.toContain('bad id with spaces');
      for (const line of lines.filter((l) => l.msg === 'request')) {
        expect(JSON.stringify(line)).not.toContain(CUSTOMER);
      }
    }
  });
});
