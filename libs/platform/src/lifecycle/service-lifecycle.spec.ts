import { Logger } from '@nestjs/common';
import { ServiceLifecycle, type ServiceLifecycleParts } from './service-lifecycle';

class TestLifecycle extends ServiceLifecycle {
  constructor(parts: ServiceLifecycleParts) {
    super(parts);
  }
}

function recorder() {
  const calls: string[] = [];
  const record = (call: string, failWith?: Error) => (): Promise<void> => {
    calls.push(call);
    return failWith ? Promise.reject(failWith) : Promise.resolve();
  };
  return { calls, record };
}

describe('ServiceLifecycle', () => {
  let logged: string[];
  beforeEach(() => {
    logged = [];
    jest.spyOn(Logger.prototype, 'log').mockImplementation((message: string) => {
      logged.push(message);
    });
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message: string) => {
      logged.push(message);
    });
  });
  afterEach(() => jest.restoreAllMocks());

  it('starts the steps in order, then stops them in reverse, the admin session and the pool last', async () => {
    const { calls, record } = recorder();
    const lifecycle = new TestLifecycle({
      steps: [
        { name: 'topics', start: record('start topics') },
        { name: 'relay', start: record('start relay'), stop: record('stop relay') },
        { name: 'consumer', start: record('start consumer'), stop: record('stop consumer') },
      ],
      kafkaAdmin: { close: record('close admin') },
      pool: { end: record('end pool') },
    });

    await lifecycle.onApplicationBootstrap();
    expect(calls).toEqual(['start topics', 'start relay', 'start consumer']);
    expect(logged).toEqual(['started: topics, relay, consumer']);

    calls.length = 0;
    await lifecycle.onApplicationShutdown();
    expect(calls).toEqual(['stop consumer', 'stop relay', 'close admin', 'end pool']);
  });

  it('waits for each start before the next', async () => {
    const { calls, record } = recorder();
    let releaseFirst: () => void = () => undefined;
    const lifecycle = new TestLifecycle({
      steps: [
        { name: 'slow', start: () => new Promise<void>((resolve) => (releaseFirst = resolve)) },
        { name: 'next', start: record('start next') },
      ],
      pool: { end: record('end pool') },
    });
    const starting = lifecycle.onApplicationBootstrap();
    await Promise.resolve();
    expect(calls).toEqual([]);
    releaseFirst();
    await starting;
    expect(calls).toEqual(['start next']);
  });

  it('with nothing to run, only ends the pool and logs nothing', async () => {
    const { calls, record } = recorder();
    const lifecycle = new TestLifecycle({ pool: { end: record('end pool') } });
    await lifecycle.onApplicationBootstrap();
    await lifecycle.onApplicationShutdown();
    expect(calls).toEqual(['end pool']);
    expect(logged).toEqual([]);
  });

  it('keeps stopping after a step fails, then reports the first failure', async () => {
    const { calls, record } = recorder();
    const consumerStuck = new Error('consumer stuck');
    const lifecycle = new TestLifecycle({
      steps: [
        { name: 'relay', stop: record('stop relay', new Error('relay stuck')) },
        { name: 'consumer', stop: record('stop consumer', consumerStuck) },
      ],
      kafkaAdmin: { close: record('close admin') },
      pool: { end: record('end pool') },
    });
    await expect(lifecycle.onApplicationShutdown()).rejects.toBe(consumerStuck);
    expect(calls).toEqual(['stop consumer', 'stop relay', 'close admin', 'end pool']);
    expect(logged).toEqual([
      'could not stop consumer: consumer stuck',
      'could not stop relay: relay stuck',
    ]);
  });
});
