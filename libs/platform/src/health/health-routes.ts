import { applyDecorators, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse } from '@nestjs/swagger';

export interface LiveBody {
  readonly status: 'live';
}

/** The liveness body: the process answers, nothing else is checked. */
export const LIVE: LiveBody = { status: 'live' };

/** GET route and OpenAPI description of the liveness endpoint. */
export function LivenessRoute(path: string): MethodDecorator {
  return applyDecorators(
    Get(path),
    ApiOperation({ summary: 'Liveness: the process answers' }),
    ApiOkResponse({ schema: { example: { status: 'live' } } }),
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
    ApiOperation(
      doc.description === undefined
        ? { summary: doc.summary }
        : { summary: doc.summary, description: doc.description },
    ),
    ApiOkResponse({ description: 'Ready.' }),
    ApiServiceUnavailableResponse({ description: doc.unavailable }),
  );
}
