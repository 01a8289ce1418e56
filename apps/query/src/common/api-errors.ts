import { applyDecorators } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNotFoundResponse,
  ApiServiceUnavailableResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '@cx/platform';

const INVALID =
  'invalid_request: a path or query parameter is malformed or unknown; details name it.';
const UNAVAILABLE =
  'projection_not_caught_up: minPosition was not applied within waitMs (retry); store_unavailable: database unreachable.';

/** The error answers of an endpoint that reads one customer. */
export const ApiCustomerErrors = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    ApiBadRequestResponse({ type: ErrorResponseDto, description: INVALID }),
    ApiNotFoundResponse({
      type: ErrorResponseDto,
      description: 'customer_not_found: no such customer in the read model.',
    }),
    ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: UNAVAILABLE }),
  );

/** The error answers of a listing. */
export const ApiListErrors = (): MethodDecorator & ClassDecorator =>
  applyDecorators(
    ApiBadRequestResponse({ type: ErrorResponseDto, description: INVALID }),
    ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: UNAVAILABLE }),
  );
