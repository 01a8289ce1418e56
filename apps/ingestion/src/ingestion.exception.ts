import { appErrorFactory, ErrorKind } from '@cx/platform';

export enum IngestionErrorCode {
  InvalidTouchpoint = 'invalid_touchpoint',
  InvalidBatch = 'invalid_batch',
  Conflict = 'conflict',
  StoreUnavailable = 'store_unavailable',
  CustomerErased = 'customer_erased',
  InvalidConsent = 'invalid_consent',
}

const KIND: Readonly<Record<IngestionErrorCode, ErrorKind>> = {
  [IngestionErrorCode.InvalidTouchpoint]: ErrorKind.InvalidArgument,
  [IngestionErrorCode.InvalidBatch]: ErrorKind.InvalidArgument,
  [IngestionErrorCode.Conflict]: ErrorKind.Conflict,
  [IngestionErrorCode.StoreUnavailable]: ErrorKind.Unavailable,
  [IngestionErrorCode.CustomerErased]: ErrorKind.Gone,
  [IngestionErrorCode.InvalidConsent]: ErrorKind.InvalidArgument,
};

/** `throw ingestionError(IngestionErrorCode.Conflict, message, details)` */
export const ingestionError = appErrorFactory(KIND);
