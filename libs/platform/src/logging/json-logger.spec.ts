import { createServiceLogger, NestJsonLogger } from './json-logger';
import { MemoryLog } from './memory-log.test-support';

describe('createServiceLogger', () => {
  it('writes one JSON object per line with level word, ISO time and the service name', () => {
    const out = new MemoryLog();
    createServiceLogger('ingestion', 'info', out).info({ n: 1 }, 'hello');
    expect(out.lines).toEqual([
      expect.objectContaining({ level: 'info', service: 'ingestion', n: 1, msg: 'hello' }),
    ]);
    expect(String(out.lines[0]?.time)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('writes nothing below its level', () => {
    const out = new MemoryLog();
    const logger = createServiceLogger('query', 'warn', out);
    logger.info('hidden');
    logger.warn('shown');
    expect(out.lines.map((l) => l.msg)).toEqual(['shown']);
  });
});

describe('NestJsonLogger', () => {
  const setup = (): { out: MemoryLog; nest: NestJsonLogger } => {
    const out = new MemoryLog();
    return { out, nest: new NestJsonLogger(createServiceLogger('projector', 'trace', out)) };
  };

  it('takes the last string argument as the context', () => {
    const { out, nest } = setup();
    nest.log('started', 'ConsumerService');
    nest.warn('slow', 'Relay');
    expect(out.lines).toEqual([
      expect.objectContaining({ level: 'info', msg: 'started', context: 'ConsumerService' }),
      expect.objectContaining({ level: 'warn', msg: 'slow', context: 'Relay' }),
    ]);
  });

  it('keeps the stack Nest passes before the context of an error', () => {
    const { out, nest } = setup();
    nest.error('failed', 'Error: x\n    at y (file.js:1:1)', 'Boot');
    expect(out.lines[0]).toEqual(
      expect.objectContaining({
        level: 'error',
        msg: 'failed',
        context: 'Boot',
        stack: 'Error: x\n    at y (file.js:1:1)',
      }),
    );
  });

  it('logs an Error with its message and serialised stack, and an object as data', () => {
    const { out, nest } = setup();
    nest.error(new Error('boom'), 'Kafka');
    nest.debug({ partitions: 3 }, 'Consumer');
    nest.verbose('fine detail');
    expect(out.lines[0]).toEqual(expect.objectContaining({ msg: 'boom', context: 'Kafka' }));
    expect(out.lines[0]?.err).toEqual(expect.objectContaining({ message: 'boom' }));
    expect(out.lines[1]).toEqual(
      expect.objectContaining({ level: 'debug', context: 'Consumer', data: { partitions: 3 } }),
    );
    expect(out.lines[2]).toEqual(expect.objectContaining({ level: 'trace', msg: 'fine detail' }));
  });
});
