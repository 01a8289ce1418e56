import type { ValidationIssue } from '@cx/contracts';
import { appErrorFactory, type AppException } from '../errors/app.exception';
import { ErrorKind } from '../errors/error-kind';

export enum HttpBodyErrorCode {
  MalformedJson = 'malformed_json',
  /** The body is not valid UTF-8 (invalid, truncated or overlong byte sequences). */
  InvalidEncoding = 'invalid_encoding',
  /** An object in the body gives the same key twice; details name each repetition. */
  DuplicateKey = 'duplicate_key',
  PayloadTooLarge = 'payload_too_large',
  UnsupportedMediaType = 'unsupported_media_type',
  Unreadable = 'unreadable_body',
}

const KIND: Readonly<Record<HttpBodyErrorCode, ErrorKind>> = {
  [HttpBodyErrorCode.MalformedJson]: ErrorKind.InvalidArgument,
  [HttpBodyErrorCode.InvalidEncoding]: ErrorKind.InvalidArgument,
  [HttpBodyErrorCode.DuplicateKey]: ErrorKind.InvalidArgument,
  [HttpBodyErrorCode.PayloadTooLarge]: ErrorKind.PayloadTooLarge,
  [HttpBodyErrorCode.UnsupportedMediaType]: ErrorKind.UnsupportedMediaType,
  [HttpBodyErrorCode.Unreadable]: ErrorKind.InvalidArgument,
};

const bodyError = appErrorFactory(KIND);

/**
 * A request body refused before any controller sees it. Without `details` the problem is the
 * body as a whole (one issue at path `''`); with them, each names where in the body it is.
 */
export function httpBodyError(
  code: HttpBodyErrorCode,
  message: string,
  details?: readonly ValidationIssue[],
): AppException {
  return bodyError(code, message, details ?? [{ path: '', message }]);
}
