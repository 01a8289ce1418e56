import { appErrorFactory, type AppException } from '../errors/app.exception';
import { ErrorKind } from '../errors/error-kind';

export enum HttpBodyErrorCode {
  MalformedJson = 'malformed_json',
  PayloadTooLarge = 'payload_too_large',
  UnsupportedMediaType = 'unsupported_media_type',
  Unreadable = 'unreadable_body',
}

const KIND: Readonly<Record<HttpBodyErrorCode, ErrorKind>> = {
  [HttpBodyErrorCode.MalformedJson]: ErrorKind.InvalidArgument,
  [HttpBodyErrorCode.PayloadTooLarge]: ErrorKind.PayloadTooLarge,
  [HttpBodyErrorCode.UnsupportedMediaType]: ErrorKind.UnsupportedMediaType,
  [HttpBodyErrorCode.Unreadable]: ErrorKind.InvalidArgument,
};

const bodyError = appErrorFactory(KIND);

/** A request body refused before any controller sees it; the problem is the body as a whole. */
export function httpBodyError(code: HttpBodyErrorCode, message: string): AppException {
  return bodyError(code, message, [{ path: '', message }]);
}
