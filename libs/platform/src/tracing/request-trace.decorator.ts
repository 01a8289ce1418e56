import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { TraceCarrier } from '@cx/contracts';
import { requestTraceOf } from './request-trace.middleware';

/**
 * The request's trace context (`TraceCarrier | null`) for what the handler stores: see
 * `traceRequests`, which must be mounted on the route.
 */
export const RequestTrace = createParamDecorator(
  (_: unknown, execution: ExecutionContext): TraceCarrier | null =>
    requestTraceOf(execution.switchToHttp().getRequest<IncomingMessage>()),
);
