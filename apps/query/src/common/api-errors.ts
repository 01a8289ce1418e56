import { applyDecorators } from '@nestjs/common';
import { ApiErrorResponse, BODY_ERRORS, type ErrorExample } from '@cx/platform';

/** The (admin) request body limit of the query service, set in `configureQueryHttp`. */
export const QUERY_BODY_LIMIT_BYTES = 64 * 1024;

const INVALID =
  'invalid_request: a path or query parameter is malformed or unknown; details name it.';
const UNAVAILABLE =
  'projection_not_caught_up: minPosition was not applied within waitMs (retry); store_unavailable: database unreachable.';

const INVALID_PARAMETER: ErrorExample = {
  error: 'invalid_request',
  path: 'minPosition',
  message: 'must be a positive integer',
};
const INVALID_LISTING: ErrorExample = {
  error: 'invalid_request',
  path: 'cursor',
  message: 'is not a cursor this listing returned',
};
const NOT_CAUGHT_UP: ErrorExample = {
  error: 'projection_not_caught_up',
  path: 'minPosition',
  message:
    'events up to position 1042 are not all applied by the projection after 5000 ms; retry later',
};

/** The error answers of an endpoint that reads one customer. */
export const ApiCustomerErrors = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    ApiErrorResponse(400, INVALID, INVALID_PARAMETER),
    ApiErrorResponse(404, 'customer_not_found: no such customer in the read model.', {
      error: 'customer_not_found',
      path: 'customerId',
      message: 'no customer cust-42 in the read model',
    }),
    ApiErrorResponse(503, UNAVAILABLE, NOT_CAUGHT_UP),
  );

/** The error answers of a listing. */
export const ApiListErrors = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    ApiErrorResponse(400, INVALID, INVALID_LISTING),
    ApiErrorResponse(503, UNAVAILABLE, NOT_CAUGHT_UP),
  );

/** The error answers of an analytics endpoint. */
export const ApiAnalyticsErrors = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    ApiErrorResponse(400, INVALID, {
      error: 'invalid_request',
      path: 'to',
      message: 'must be at most 5 years after from',
    }),
    ApiErrorResponse(503, UNAVAILABLE, NOT_CAUGHT_UP),
  );

/** The refusals of a request body before the route sees it (admin routes with a body). */
export const ApiQueryBodyErrors = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    ApiErrorResponse(
      413,
      `Body over ${QUERY_BODY_LIMIT_BYTES / 1024} KB.`,
      BODY_ERRORS.payloadTooLarge(QUERY_BODY_LIMIT_BYTES),
    ),
    ApiErrorResponse(
      415,
      'Content-Type is not application/json.',
      BODY_ERRORS.unsupportedMediaType,
    ),
  );
