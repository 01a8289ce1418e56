import { Metadata, type status as Status } from '@grpc/grpc-js';
import type { ValidationIssue } from '@cx/contracts';
import { isStoreUnavailable } from '@cx/event-store';
import { AppException } from '../errors/app.exception';
import { ErrorKind } from '../errors/error-kind';
import { GrpcStatus, grpcStatusOf } from '../errors/grpc-status';
import { RETRY_AFTER_SECONDS } from '../errors/http-error.filter';
import { errorDetailTypes } from './grpc-contract';

/** ErrorInfo.domain of every error this system raises. */
export const ERROR_DOMAIN = 'cx-journey';
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';
const TYPE_URL = 'type.googleapis.com/';

export interface GrpcError {
  readonly code: Status;
  readonly details: string;
  readonly metadata: Metadata;
}

/**
 * What the client reads as the status message: the REST error code and the first issue. The
 * exception's own message stays in the log, as on HTTP (it may name an internal cause).
 */
function publicMessage(error: AppException): string {
  const first = error.details[0];
  if (first === undefined) return error.code;
  const more = error.details.length > 1 ? ` (and ${error.details.length - 1} more)` : '';
  return `${error.code}: ${first.path === '' ? '' : `${first.path}: `}${first.message}${more}`;
}

function packed(name: string, message: Record<string, unknown>): Record<string, unknown> {
  const type = errorDetailTypes().lookupType(`google.rpc.${name}`);
  // protobufjs's built-in Any keeps the proto field name type_url.
  return {
    type_url: `${TYPE_URL}google.rpc.${name}`,
    value: type.encode(type.fromObject(message)).finish(),
  };
}

/**
 * google.rpc.Status of an application error: ErrorInfo with the REST error code, BadRequest with
 * every issue (field = the REST path, description = the REST message), RetryInfo when the same
 * call may succeed later.
 */
export function statusDetails(
  code: GrpcStatus,
  error: AppException,
  retryAfterSeconds: number | undefined,
): Buffer {
  const details = [packed('ErrorInfo', { reason: error.code, domain: ERROR_DOMAIN })];
  if (error.details.length > 0) {
    details.push(
      packed('BadRequest', {
        fieldViolations: error.details.map((issue: ValidationIssue) => ({
          field: issue.path,
          description: issue.message,
        })),
      }),
    );
  }
  if (retryAfterSeconds !== undefined) {
    details.push(packed('RetryInfo', { retryDelay: { seconds: retryAfterSeconds, nanos: 0 } }));
  }
  const status = errorDetailTypes().lookupType('google.rpc.Status');
  return Buffer.from(
    status.encode(status.fromObject({ code, message: publicMessage(error), details })).finish(),
  );
}

function storeUnavailable(): AppException {
  return new AppException('store_unavailable', ErrorKind.Unavailable, 'store unavailable', [
    { path: '', message: 'the database is unreachable; retry later' },
  ]);
}

/**
 * The gRPC answer of any error a handler raised: an `AppException` becomes its canonical status
 * with details; an unreachable database UNAVAILABLE (as on HTTP); anything else INTERNAL with no
 * detail at all (`onUnexpected` logs it).
 */
export function grpcErrorOf(
  error: unknown,
  onUnexpected: (error: unknown) => void,
  onUnavailable: (error: AppException) => void = () => undefined,
): GrpcError {
  const known =
    error instanceof AppException ? error : isStoreUnavailable(error) ? storeUnavailable() : null;
  if (known === null) {
    onUnexpected(error);
    return {
      code: GrpcStatus.Internal as number,
      details: 'internal error; it has been logged',
      metadata: new Metadata(),
    };
  }
  const code = grpcStatusOf(known.kind);
  if (known.kind === ErrorKind.Unavailable || known.kind === ErrorKind.Internal)
    onUnavailable(known);
  const retryAfter =
    known.retryAfterSeconds ??
    (known.kind === ErrorKind.Unavailable ? RETRY_AFTER_SECONDS : undefined);
  const metadata = new Metadata();
  metadata.set(STATUS_DETAILS_KEY, statusDetails(code, known, retryAfter));
  return { code: code as number, details: publicMessage(known), metadata };
}
