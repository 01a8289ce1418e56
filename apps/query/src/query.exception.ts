import { HttpStatus } from '@nestjs/common';
import type { ValidationIssue } from '@cx/contracts';
import { AppException } from '@cx/platform';

export enum QueryErrorCode {
  InvalidRequest = 'invalid_request',
  CustomerNotFound = 'customer_not_found',
  ProjectionNotCaughtUp = 'projection_not_caught_up',
  StoreUnavailable = 'store_unavailable',
}

const STATUS: Readonly<Record<QueryErrorCode, number>> = {
  [QueryErrorCode.InvalidRequest]: HttpStatus.BAD_REQUEST,
  [QueryErrorCode.CustomerNotFound]: HttpStatus.NOT_FOUND,
  [QueryErrorCode.ProjectionNotCaughtUp]: HttpStatus.SERVICE_UNAVAILABLE,
  [QueryErrorCode.StoreUnavailable]: HttpStatus.SERVICE_UNAVAILABLE,
};

export class QueryException extends AppException<QueryErrorCode> {
  readonly httpStatus: number;

  constructor(code: QueryErrorCode, message: string, details: readonly ValidationIssue[] = []) {
    super(code, message, details);
    this.httpStatus = STATUS[code];
  }

  static customerNotFound(customerId: string): QueryException {
    return new QueryException(QueryErrorCode.CustomerNotFound, 'unknown customer', [
      { path: 'customerId', message: `no customer ${customerId} in the read model` },
    ]);
  }
}
