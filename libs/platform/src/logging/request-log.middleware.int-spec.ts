import { Controller, Get, HttpCode, Module, Param, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createHttpAdapter } from '../http/http-server';
import { createServiceLogger } from './json-logger';
import { MemoryLog } from './memory-log.test-support';
import { requestLog } from './request-log.middleware';

@Controller()
class EchoController {
  @Get('v1/customers/:id')
  customer(@Param('id') id: string): { id: string } {
    return { id };
  }

  @Get('health/ready')
  @HttpCode(200)
  ready(): { status: string } {
    return { status: 'ready' };
  }
}

@Module({ controllers: [EchoController] })
class EchoModule {}

describe('requestLog on a Nest app', () => {
  let app: INestApplication;
  let base: string;
  const out = new MemoryLog();

  beforeAll(async () => {
    app = await NestFactory.create(EchoModule, createHttpAdapter(), { logger: false });
    app.use(requestLog(createServiceLogger('query', 'info', out)));
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });

  afterAll(() => app.close());

  /** The line is written when the answer's connection side closes: wait for it. */
  const lineFor = async (requestId: string): Promise<Record<string, unknown>> => {
    for (let i = 0; i < 100; i += 1) {
      const line = out.lines.find((l) => l.requestId === requestId);
      if (line) return line;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no log line for request ${requestId}`);
  };

  it("logs route template, status and duration under the caller's request id, and returns it", async () => {
    const response = await fetch(`${base}/v1/customers/c-secret-42?email=a@b.c`, {
      headers: { 'x-request-id': 'trace-me-1' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('trace-me-1');
    const line = await lineFor('trace-me-1');
    expect(line).toEqual(
      expect.objectContaining({
        level: 'info',
        service: 'query',
        msg: 'request',
        method: 'GET',
        route: '/v1/customers/:id',
        status: 200,
      }),
    );
    expect(line.durationMs).toEqual(expect.any(Number));
    // No URL, query or customer id: nothing personal reaches the log.
    expect(JSON.stringify(line)).not.toMatch(/c-secret-42|a@b\.c/);
  });

  it('generates a request id when none is given, and logs unmatched routes under one label', async () => {
    const response = await fetch(`${base}/no/such/path/for-c-secret-7`);
    expect(response.status).toBe(404);
    const id = response.headers.get('x-request-id') ?? '';
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = await lineFor(id);
    expect(line).toEqual(expect.objectContaining({ route: 'unmatched', status: 404 }));
    expect(JSON.stringify(line)).not.toContain('c-secret-7');
  });

  it('keeps readiness probes out of the info log', async () => {
    const probe = await fetch(`${base}/health/ready`, { headers: { 'x-request-id': 'probe-1' } });
    expect(probe.status).toBe(200);
    // Lines are written in the order the answers close: once the next request's line is there,
    // the probe's would be too.
    await fetch(`${base}/v1/customers/c-1`, { headers: { 'x-request-id': 'after-probe-1' } });
    await lineFor('after-probe-1');
    expect(out.lines.find((l) => l.requestId === 'probe-1')).toBeUndefined();
  });
});
