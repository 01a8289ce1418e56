import type { ValidationIssue } from '@cx/contracts';

/**
 * Base of every typed application error. Deep code throws a subclass with a code enum; only the
 * HTTP edge (`HttpErrorFilter`) turns it into a status and an error body.
 */
export abstract class AppException<Code extends string = string> extends Error {
  /** HTTP status the edge answers with. */
  abstract readonly httpStatus: number;

  protected constructor(
    readonly code: Code,
    message: string,
    readonly details: readonly ValidationIssue[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}
