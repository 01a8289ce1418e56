import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { ErrorBody } from '@cx/contracts';
import { ErrorResponseDto } from '../errors/error.response.dto';

/** What one documented error answer looks like: its code and the one issue it names. */
export interface ErrorExample {
  readonly error: string;
  readonly message: string;
  /** Where the problem is; `''` (the default) for the request as a whole. */
  readonly path?: string;
}

export function errorBody(example: ErrorExample): ErrorBody {
  return {
    error: example.error,
    details: [{ path: example.path ?? '', message: example.message }],
  };
}

/**
 * One error status of a route with an example of its own: without it every status would show
 * the schema's property examples, the same body for a 409 as for a 415. Errors are JSON even on
 * a route that produces something else (`/metrics`), so the media type is named here.
 */
export function ApiErrorResponse(
  status: number,
  description: string,
  example: ErrorExample,
): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto),
    ApiResponse({
      status,
      description,
      content: {
        'application/json': {
          schema: { $ref: getSchemaPath(ErrorResponseDto) },
          example: errorBody(example),
        },
      },
    }),
  );
}

/** The refusals of the strict JSON body parser (`jsonBody`), shared by every route with a body. */
export const BODY_ERRORS = {
  unsupportedMediaType: {
    error: 'unsupported_media_type',
    message: 'Content-Type must be application/json (UTF-8)',
  },
  payloadTooLarge: (limitBytes: number): ErrorExample => ({
    error: 'payload_too_large',
    message: `request body larger than ${limitBytes} bytes`,
  }),
} as const;
