import { appErrorFactory, ErrorKind, type AppException } from '@cx/platform';

export enum QueryErrorCode {
  InvalidRequest = 'invalid_request',
  CustomerNotFound = 'customer_not_found',
  ProjectionNotCaughtUp = 'projection_not_caught_up',
  StoreUnavailable = 'store_unavailable',
  KeyNotFound = 'key_not_found',
}

const KIND: Readonly<Record<QueryErrorCode, ErrorKind>> = {
  [QueryErrorCode.InvalidRequest]: ErrorKind.InvalidArgument,
  [QueryErrorCode.CustomerNotFound]: ErrorKind.NotFound,
  // Both clear up on their own, so the client is told to retry rather than that it asked wrongly.
  [QueryErrorCode.ProjectionNotCaughtUp]: ErrorKind.Unavailable,
  [QueryErrorCode.StoreUnavailable]: ErrorKind.Unavailable,
  [QueryErrorCode.KeyNotFound]: ErrorKind.NotFound,
};

/** `throw queryError(QueryErrorCode.InvalidRequest, message, details)` */
export const queryError = appErrorFactory(KIND);

export function customerNotFound(customerId: string): AppException {
  return queryError(QueryErrorCode.CustomerNotFound, 'unknown customer', [
    { path: 'customerId', message: `no customer ${customerId} in the read model` },
  ]);
}
