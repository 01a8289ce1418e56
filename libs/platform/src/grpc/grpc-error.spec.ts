import { status as Status } from '@grpc/grpc-js';
import { AppException, CredentialException } from '../errors/app.exception';
import { ErrorKind } from '../errors/error-kind';
import { errorDetailTypes } from './grpc-contract';
import { ERROR_DOMAIN, STATUS_DETAILS_KEY, grpcErrorOf } from './grpc-error';

interface DecodedStatus {
  code: number;
  message: string;
  details: { type_url: string; value: Uint8Array }[];
}

/** Reads the trailer back as any client would: google.rpc.Status, then each Any by its type. */
function decodeTrailer(value: unknown): {
  status: DecodedStatus;
  details: Record<string, unknown>;
} {
  const types = errorDetailTypes();
  const status = types
    .lookupType('google.rpc.Status')
    .toObject(types.lookupType('google.rpc.Status').decode(value as Buffer), {
      defaults: true,
      longs: Number,
    }) as DecodedStatus;
  const details: Record<string, unknown> = {};
  for (const any of status.details) {
    const name = any.type_url.replace('type.googleapis.com/', '');
    const type = types.lookupType(name);
    details[name] = type.toObject(type.decode(any.value), { longs: Number, defaults: true });
  }
  return { status, details };
}

describe('grpcErrorOf', () => {
  const unexpected: unknown[] = [];
  const log = (error: unknown): void => {
    unexpected.push(error);
  };

  it('answers validation issues with INVALID_ARGUMENT, BadRequest and ErrorInfo', () => {
    const error = new AppException('invalid_touchpoint', ErrorKind.InvalidArgument, 'invalid', [
      { path: 'survey.nps', message: 'must be an integer from 0 to 10' },
      { path: 'channel', message: 'must be one of web, chat' },
    ]);
    const answer = grpcErrorOf(error, log);
    expect(answer.code).toBe(Status.INVALID_ARGUMENT);
    expect(answer.details).toBe(
      'invalid_touchpoint: survey.nps: must be an integer from 0 to 10 (and 1 more)',
    );
    const { status, details } = decodeTrailer(answer.metadata.get(STATUS_DETAILS_KEY)[0]);
    expect(status.code).toBe(Status.INVALID_ARGUMENT);
    expect(details['google.rpc.ErrorInfo']).toEqual({
      reason: 'invalid_touchpoint',
      domain: ERROR_DOMAIN,
      metadata: {},
    });
    expect(details['google.rpc.BadRequest']).toEqual({
      fieldViolations: [
        { field: 'survey.nps', description: 'must be an integer from 0 to 10' },
        { field: 'channel', description: 'must be one of web, chat' },
      ],
    });
    expect(details['google.rpc.RetryInfo']).toBeUndefined();
  });

  it.each([
    [ErrorKind.Conflict, Status.ALREADY_EXISTS],
    [ErrorKind.NotFound, Status.NOT_FOUND],
    [ErrorKind.PayloadTooLarge, Status.RESOURCE_EXHAUSTED],
    [ErrorKind.Gone, Status.FAILED_PRECONDITION],
    [ErrorKind.PermissionDenied, Status.PERMISSION_DENIED],
  ])('maps %s to status %i', (kind, code) => {
    expect(grpcErrorOf(new AppException('x', kind, 'x'), log).code).toBe(code);
  });

  it('tells when to retry: the rate limit delay, one second when unavailable', () => {
    const limited = grpcErrorOf(
      new AppException('too_many_requests', ErrorKind.ResourceExhausted, 'slow down', [], 7),
      log,
    );
    expect(limited.code).toBe(Status.RESOURCE_EXHAUSTED);
    const retry = decodeTrailer(limited.metadata.get(STATUS_DETAILS_KEY)[0]).details;
    expect(retry['google.rpc.RetryInfo']).toEqual({ retryDelay: { seconds: 7, nanos: 0 } });
    const behind = grpcErrorOf(
      new AppException('projection_not_caught_up', ErrorKind.Unavailable, 'behind'),
      log,
    );
    expect(behind.code).toBe(Status.UNAVAILABLE);
    expect(
      decodeTrailer(behind.metadata.get(STATUS_DETAILS_KEY)[0]).details['google.rpc.RetryInfo'],
    ).toEqual({ retryDelay: { seconds: 1, nanos: 0 } });
  });

  it('refuses a credential with UNAUTHENTICATED, keeping the internal message out', () => {
    const refused = grpcErrorOf(
      new CredentialException('unauthenticated', ErrorKind.Unauthenticated, 'unknown API key'),
      log,
    );
    expect(refused.code).toBe(Status.UNAUTHENTICATED);
    expect(refused.details).toBe('unauthenticated: authorization: unknown API key');
  });

  it('answers anything unexpected with a bare INTERNAL and hands it to the log', () => {
    const bug = new TypeError('undefined is not a function');
    const answer = grpcErrorOf(bug, log);
    expect(answer.code).toBe(Status.INTERNAL);
    expect(answer.details).toBe('internal error; it has been logged');
    expect(answer.metadata.get(STATUS_DETAILS_KEY)).toEqual([]);
    expect(unexpected).toContain(bug);
  });

  it('answers an unreachable database with UNAVAILABLE store_unavailable', () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    const answer = grpcErrorOf(down, log);
    expect(answer.code).toBe(Status.UNAVAILABLE);
    expect(answer.details).toBe('store_unavailable: the database is unreachable; retry later');
  });
});
