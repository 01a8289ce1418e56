import type { IncomingMessage, ServerResponse } from 'node:http';
import { routeLabeller, type RoutedRequest } from '../http/route-template';
import type { ServiceLogger } from './json-logger';
import { REQUEST_ID_HEADER, requestIdFor } from './request-id';

/** Probes poll every few seconds; one line each would drown the requests people look for. */
const PROBE_ROUTES = new Set(['/health/live', '/health/ready']);

export interface RequestLine {
  readonly requestId: string;
  readonly method: string;
  readonly route: string;
  readonly status: number;
  readonly durationMs: number;
  /** Set when the client went away before the whole answer was sent. */
  readonly aborted?: true;
}

/**
 * One log line per request (id, method, route template, status, duration) and the request id in
 * the answer's `x-request-id`. Nothing of the request's content is logged: no URL, query, header
 * or body, so no personal field and no credential can reach the log. Registered first, so that
 * answers given by the body parser (413, 415, 400) are logged too; `routeOf` (see
 * `appRouteLabeller`) names the route of those, which the router never saw.
 */
export function requestLog(
  logger: ServiceLogger,
  routeOf: (request: RoutedRequest) => string = routeLabeller(() => []),
): (request: IncomingMessage, response: ServerResponse, next: () => void) => void {
  return (request, response, next) => {
    const started = process.hrtime.bigint();
    const requestId = requestIdFor(request.headers[REQUEST_ID_HEADER]);
    response.setHeader(REQUEST_ID_HEADER, requestId);
    response.once('close', () => {
      const route = routeOf(request);
      const line: RequestLine = {
        requestId,
        method: request.method ?? '',
        route,
        status: response.statusCode,
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
        ...(response.writableFinished ? {} : { aborted: true as const }),
      };
      if (line.status >= 500) logger.error(line, 'request');
      else if (PROBE_ROUTES.has(route)) logger.debug(line, 'request');
      else logger.info(line, 'request');
    });
    next();
  };
}
