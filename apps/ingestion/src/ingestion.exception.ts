import { HttpStatus } from '@nestjs/common';
import type { ValidationIssue } from '@cx/contracts';
import { AppException } from '@cx/platform';

export enum IngestionErrorCode {
  InvalidTouchpoint = 'invalid_touchpoint',
  InvalidBatch = 'invalid_batch',
  Conflict = 'conflict',
  StoreUnavailable = 'store_unavailable',
}

const STATUS: Readonly<Record<IngestionErrorCode, number>> = {
  [IngestionErrorCode.InvalidTouchpoint]: HttpStatus.BAD_REQUEST,
  [IngestionErrorCode.InvalidBatch]: HttpStatus.BAD_REQUEST,
  [IngestionErrorCode.Conflict]: HttpStatus.CONFLICT,
  [IngestionErrorCode.StoreUnavailable]: HttpStatus.SERVICE_UNAVAILABLE,
};

export class IngestionException extends AppException<IngestionErrorCode> {
  readonly httpStatus: number;

  constructor(code: IngestionErrorCode, message: string, details: readonly ValidationIssue[] = []) {
    super(code, message, details);
    this.httpStatus = STATUS[code];
  }
}
