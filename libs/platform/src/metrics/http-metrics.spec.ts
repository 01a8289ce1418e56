import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Registry } from 'prom-client';
import { HttpMetrics } from './http-metrics';
import type { RoutedRequest } from '../http/route-template';

/** A response that finishes when told to, as Node's does. */
class FakeResponse extends EventEmitter {
  statusCode = 200;
  end(status: number): void {
    this.statusCode = status;
    this.emit('finish');
    this.emit('close');
  }
}

function send(
  metrics: HttpMetrics,
  req: Partial<RoutedRequest> & { method: string },
  status: number,
  routed?: string,
): void {
  const request = { ...req } as IncomingMessage & { route?: { path: string } };
  const res = new FakeResponse();
  metrics.middleware(request, res as unknown as ServerResponse, () => {
    // The router runs after the middleware and leaves the matched route on the request.
    if (routed !== undefined) request.route = { path: routed };
  });
  res.end(status);
}

describe('HTTP metrics', () => {
  it('counts and times requests by method, route template and status, never by URL', async () => {
    const registry = new Registry();
    const metrics = new HttpMetrics(registry);
    metrics.useRouteTemplates(() => ['/v1/customers/:customerId', '/v1/touchpoints']);
    send(metrics, { method: 'GET', url: '/v1/customers/c-1' }, 200, '/v1/customers/:customerId');
    send(metrics, { method: 'GET', url: '/v1/customers/c-2' }, 200, '/v1/customers/:customerId');
    send(
      metrics,
      { method: 'GET', url: '/v1/customers/c-3?x=1' },
      404,
      '/v1/customers/:customerId',
    );
    // Refused by the body parser, before routing: labelled by the template the path fits.
    send(metrics, { method: 'POST', url: '/v1/touchpoints' }, 400);
    send(metrics, { method: 'GET', url: '/.env' }, 404);

    const text = await registry.metrics();
    expect(text).toContain(
      'http_requests_total{method="GET",route="/v1/customers/:customerId",status="200"} 2',
    );
    expect(text).toContain(
      'http_requests_total{method="GET",route="/v1/customers/:customerId",status="404"} 1',
    );
    expect(text).toContain(
      'http_requests_total{method="POST",route="/v1/touchpoints",status="400"} 1',
    );
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(text).not.toMatch(/c-1|c-2|c-3|\.env/);
    expect(text).toContain(
      'http_request_duration_seconds_count{method="GET",route="/v1/customers/:customerId",status="200"} 2',
    );
  });

  it('records a request once, whether it finished or the client hung up first', async () => {
    const registry = new Registry();
    const metrics = new HttpMetrics(registry);
    const res = new FakeResponse();
    const req = { method: 'GET', url: '/metrics', route: { path: '/metrics' } };
    metrics.middleware(req as unknown as IncomingMessage, res as unknown as ServerResponse, () => {
      res.statusCode = 200;
    });
    res.emit('close');
    res.emit('finish');
    expect(await registry.metrics()).toContain(
      'http_requests_total{method="GET",route="/metrics",status="200"} 1',
    );
  });
});
