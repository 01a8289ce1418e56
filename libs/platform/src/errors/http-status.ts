import { HttpStatus } from '@nestjs/common';
import { ErrorKind } from './error-kind';

const HTTP_STATUS: Readonly<Record<ErrorKind, HttpStatus>> = {
  [ErrorKind.InvalidArgument]: HttpStatus.BAD_REQUEST,
  [ErrorKind.NotFound]: HttpStatus.NOT_FOUND,
  [ErrorKind.Conflict]: HttpStatus.CONFLICT,
  [ErrorKind.PayloadTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [ErrorKind.UnsupportedMediaType]: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  [ErrorKind.Gone]: HttpStatus.GONE,
  [ErrorKind.Unauthenticated]: HttpStatus.UNAUTHORIZED,
  [ErrorKind.PermissionDenied]: HttpStatus.FORBIDDEN,
  [ErrorKind.ResourceExhausted]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorKind.Unavailable]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorKind.Internal]: HttpStatus.INTERNAL_SERVER_ERROR,
};

/** The HTTP status an error of this kind is answered with. */
export function httpStatusOf(kind: ErrorKind): HttpStatus {
  return HTTP_STATUS[kind];
}
