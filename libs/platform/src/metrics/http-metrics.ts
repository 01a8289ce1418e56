import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Histogram, type Registry } from 'prom-client';
import { routeLabeller, type RoutedRequest } from '../http/route-template';

/** Up to 30 s: a query may wait that long for its projection (`waitMs`). */
export const HTTP_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
] as const;

type Labels = 'method' | 'route' | 'status';

/**
 * Every HTTP request's count and duration by method, route template and status, measured from the
 * first middleware to the last byte: requests refused before routing (body limits, malformed
 * JSON, access control) are counted too. Only counters and a histogram on the hot path.
 */
export class HttpMetrics {
  private readonly requests: Counter<Labels>;
  private readonly duration: Histogram<Labels>;
  private routeOf: (req: RoutedRequest) => string = routeLabeller(() => []);

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'http_requests_total',
      help: 'HTTP requests answered, by method, route template and status code.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from receiving an HTTP request to sending the last byte of its answer.',
      labelNames: ['method', 'route', 'status'],
      buckets: [...HTTP_DURATION_BUCKETS],
      registers: [registry],
    });
  }

  /**
   * Where the service's route templates come from, for requests the router did not reach. Read
   * once, on the first such request (every route is registered by then).
   */
  useRouteTemplates(source: () => Iterable<string>): void {
    this.routeOf = routeLabeller(source);
  }

  /** Express-style middleware; install it first. */
  readonly middleware = (
    req: IncomingMessage & RoutedRequest,
    res: ServerResponse,
    next: () => void,
  ): void => {
    const started = performance.now();
    let recorded = false;
    const record = (): void => {
      if (recorded) return;
      recorded = true;
      this.record(req, res.statusCode, (performance.now() - started) / 1000);
    };
    res.once('finish', record);
    // A client that hung up before the answer was complete: counted with the status set so far.
    res.once('close', record);
    next();
  };

  record(req: RoutedRequest, status: number, seconds: number): void {
    const labels = {
      method: req.method ?? 'UNKNOWN',
      route: this.routeOf(req),
      status: String(status),
    };
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
  }
}
