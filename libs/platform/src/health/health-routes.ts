import { applyDecorators, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse } from '@nestjs/swagger';
import { ApiErrorResponse } from '../http/api-error-response';
import { HTTP_SERVER_LIMITS } from '../http/http-server';

export interface LiveBody {
  readonly status: 'live';
}

/** The liveness body: the process answers, nothing else is checked. */
export const LIVE: LiveBody = { status: 'live' };

/** The one client error a probe can get: the HTTP server refuses oversized headers itself. */
const HEADERS_TOO_LARGE = ApiErrorResponse(431, 'Request line and headers over the limit.', {
  error: 'headers_too_large',
  message: `request line and headers larger than ${HTTP_SERVER_LIMITS.maxHeaderBytes} bytes`,
});

/** GET route and OpenAPI description of the liveness endpoint. */
export function LivenessRoute(path: string): MethodDecorator {
  return applyDecorators(
    Get(path),
    ApiOperation({
      operationId: 'getLiveness',
      summary: 'Liveness: the process answers',
      description: 'Checks nothing but the process itself; a failing answer means restart it.',
    }),
    ApiOkResponse({
      description: 'The process answers.',
      schema: { type: 'object', properties: { status: { type: 'string', enum: ['live'] } } },
      example: LIVE,
    }),
    HEADERS_TOO_LARGE,
  );
}

export interface ReadinessRouteDoc {
  readonly summary: string;
  readonly description?: string;
  /** When the service answers 503 (the body is the same as for 200). */
  readonly unavailable: string;
}

/** GET route and OpenAPI description of a readiness endpoint answering 200 or 503. */
export function ReadinessRoute(path: string, doc: ReadinessRouteDoc): MethodDecorator {
  return applyDecorators(
    Get(path),
    ApiOperation({
      operationId: 'getReadiness',
      summary: doc.summary,
      description: doc.description ?? 'Each dependency is probed; the body names each result.',
    }),
    ApiOkResponse({ description: 'Ready.' }),
    ApiServiceUnavailableResponse({ description: doc.unavailable }),
    HEADERS_TOO_LARGE,
  );
}
