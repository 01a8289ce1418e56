import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createHttpAdapter } from './http-server';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Answers after a while, so that a client asking in a loop always has a request in flight. */
@Controller()
class SlowController {
  @Get('slow')
  async slow(): Promise<{ ok: true }> {
    await sleep(30);
    return { ok: true };
  }
}

@Module({ controllers: [SlowController] })
class SlowModule {}

/**
 * Nest closes the HTTP server on SIGTERM before its shutdown hooks and waits for it. Node's
 * `close()` alone keeps serving a keep-alive connection that had a request in flight, for as long
 * as its client keeps asking, so a polled service never finished its shutdown.
 */
describe('HardenedExpressAdapter closing while keep-alive clients keep asking', () => {
  let app: INestApplication | undefined;
  let polling = true;

  afterEach(async () => {
    polling = false;
    await app?.close();
  });

  it('closes once the answers in flight are given, and gives them', async () => {
    const started = await NestFactory.create(SlowModule, createHttpAdapter(), { logger: false });
    app = started;
    await started.listen(0, '127.0.0.1');
    const url = `${await started.getUrl()}/slow`;
    const statuses: number[] = [];
    const ask = async (): Promise<void> => {
      while (polling) {
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
          await response.text();
          statuses.push(response.status);
        } catch {
          // Refused once the server is closed: ask again until told to stop.
          await sleep(5);
        }
      }
    };
    const clients = [ask(), ask()];
    while (statuses.length < 10) await sleep(10);

    const closed = await Promise.race([
      started.close().then(() => 'closed' as const),
      sleep(5000).then(() => 'still open after 5 s' as const),
    ]);
    app = undefined;
    polling = false;
    await Promise.all(clients);

    expect(closed).toBe('closed');
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
  });
});
