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
  ) {
    super(message);
    this.name = 'AppException';
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
