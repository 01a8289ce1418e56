import { Logger, NotFoundException, type ArgumentsHost } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import type { ContextType } from '@nestjs/common';
import { AppException, appErrorFactory } from './app.exception';
import { ErrorKind } from './error-kind';
import { HttpErrorFilter } from './http-error.filter';

interface Answer {
  readonly status: number;
  readonly body: unknown;
  /** Headers set before the reply, when any. */
  readonly headers?: Record<string, string>;
}

function setUp(type: ContextType = 'http') {
  const answers: Answer[] = [];
  const response = {};
  let headers: Record<string, string> = {};
  const adapterHost = {
    httpAdapter: {
      setHeader: (to: unknown, name: string, value: string) => {
        expect(to).toBe(response);
        headers[name] = value;
      },
      reply: (to: unknown, body: unknown, status: number) => {
        expect(to).toBe(response);
        answers.push(
          Object.keys(headers).length > 0 ? { status, body, headers } : { status, body },
        );
        headers = {};
      },
    },
  } as unknown as HttpAdapterHost;
  const switchToHttp = jest.fn(() => ({ getResponse: () => response }));
  const host = { getType: () => type, switchToHttp } as unknown as ArgumentsHost;
  return { filter: new HttpErrorFilter(adapterHost), host, answers, switchToHttp };
}

describe('HttpErrorFilter', () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('answers an application error with the status of its kind and `{ error, details }`', () => {
    const { filter, host, answers } = setUp();
    const details = [{ path: 'touchpointId', message: 'already stored' }];
    filter.catch(new AppException('conflict', ErrorKind.Conflict, 'internal words', details), host);
    expect(answers).toEqual([{ status: 409, body: { error: 'conflict', details } }]);
  });

  it('answers errors built by a feature factory through their kind', () => {
    const featureError = appErrorFactory({ gone: ErrorKind.NotFound, down: ErrorKind.Unavailable });
    const { filter, host, answers } = setUp();
    filter.catch(featureError('gone', 'no such thing'), host);
    filter.catch(featureError('down', 'database unreachable: ECONNREFUSED'), host);
    expect(answers).toEqual([
      { status: 404, body: { error: 'gone', details: [] } },
      { status: 503, body: { error: 'down', details: [] }, headers: { 'Retry-After': '1' } },
    ]);
  });

  it.each([
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    ],
    [
      'a server shutting down',
      Object.assign(new Error('terminating connection due to administrator command'), {
        code: '57P01',
      }),
    ],
  ])('answers %s that no handler caught with a retryable 503, not a 500', (_what, error) => {
    const { filter, host, answers } = setUp();
    filter.catch(error, host);
    expect(answers).toEqual([
      {
        status: 503,
        body: {
          error: 'store_unavailable',
          details: [{ path: '', message: 'the database is unreachable; retry later' }],
        },
        headers: { 'Retry-After': '1' },
      },
    ]);
  });

  it('answers a Nest HTTP exception with its status and a code', () => {
    const { filter, host, answers } = setUp();
    filter.catch(new NotFoundException('Cannot GET /nothing'), host);
    expect(answers).toEqual([
      {
        status: 404,
        body: { error: 'not_found', details: [{ path: '', message: 'Cannot GET /nothing' }] },
      },
    ]);
  });

  it('answers anything else with a 500 that shows nothing of the internals', () => {
    const { filter, host, answers } = setUp();
    filter.catch(new Error('password=hunter2'), host);
    expect(answers).toEqual([
      {
        status: 500,
        body: {
          error: 'internal_error',
          details: [{ path: '', message: 'internal error; it has been logged' }],
        },
      },
    ]);
  });

  it.each<ContextType>(['rpc', 'ws'])(
    'throws an error raised in a %s context on unchanged, without touching HTTP',
    (type) => {
      const { filter, host, answers, switchToHttp } = setUp(type);
      const error = new AppException('customer_not_found', ErrorKind.NotFound, 'unknown customer');
      expect(() => filter.catch(error, host)).toThrow(error);
      expect(switchToHttp).not.toHaveBeenCalled();
      expect(answers).toEqual([]);
    },
  );
});
