/**
 * What went wrong, independent of the transport that reports it. The application layer throws
 * kinds; each edge maps them to its own status (`http-status.ts`, `grpc-status.ts`). The set
 * follows the gRPC canonical codes, so that every kind has an obvious answer on both transports.
 */
export enum ErrorKind {
  /** The request itself is wrong; sending it again unchanged fails again. */
  InvalidArgument = 'invalid_argument',
  NotFound = 'not_found',
  /** The request contradicts what is already stored. */
  Conflict = 'conflict',
  PayloadTooLarge = 'payload_too_large',
  /** The request is encoded in a way the service does not read. */
  UnsupportedMediaType = 'unsupported_media_type',
  /** The resource existed and was removed for good (an erased customer). */
  Gone = 'gone',
  /** No valid credential: missing, unknown, expired or revoked. */
  Unauthenticated = 'unauthenticated',
  /** A valid credential without the scope the request needs. */
  PermissionDenied = 'permission_denied',
  /** Too many requests from this credential or address; retry after the answer's delay. */
  ResourceExhausted = 'resource_exhausted',
  /** A dependency is down or behind; the same request may succeed later. */
  Unavailable = 'unavailable',
  /** A bug or an unexpected state; the details stay in the log. */
  Internal = 'internal',
}
