import type { ValidationIssue } from '@cx/contracts';
import type { ErrorKind } from './error-kind';

/**
 * The one typed application error. The code is the stable snake_case string clients see; the kind
 * is what the edge turns into a transport status, so deep code never chooses an HTTP status.
 */
export class AppException extends Error {
  constructor(
    readonly code: string,
    readonly kind: ErrorKind,
    message: string,
    readonly details: readonly ValidationIssue[] = [],
    /** When the same request may be sent again (rate limits); transports say it their own way. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'AppException';
  }
}

/** Why a credential was not accepted, in the words of RFC 6750 (bearer tokens). */
export type CredentialProblem = 'invalid_request' | 'invalid_token' | 'insufficient_scope';

/**
 * A refused credential (401) or a missing scope (403). Carries what the HTTP edge needs for
 * `WWW-Authenticate`, so clients and Swagger UI learn which scheme and scope to use.
 */
export class CredentialException extends AppException {
  constructor(
    code: string,
    kind: ErrorKind,
    message: string,
    /** Absent when no credential was sent at all: the challenge then names the scheme only. */
    readonly problem?: CredentialProblem,
    readonly requiredScope?: string,
  ) {
    super(code, kind, message, [{ path: 'authorization', message }]);
    this.name = 'CredentialException';
  }
}

/** Builds a feature's errors from its code enum, each code raised with its one kind. */
export type AppErrorFactory<Code extends string> = (
  code: Code,
  message: string,
  details?: readonly ValidationIssue[],
) => AppException;

/**
 * A feature declares its codes once with their kinds (`Record<Code, ErrorKind>`, so a new code
 * cannot be added without one) and raises them through the returned factory.
 */
export function appErrorFactory<Code extends string>(
  kinds: Readonly<Record<Code, ErrorKind>>,
): AppErrorFactory<Code> {
  return (code, message, details = []) => new AppException(code, kinds[code], message, details);
}
