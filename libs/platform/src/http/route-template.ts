import type { INestApplication } from '@nestjs/common';

/**
 * Route labels for metrics, request logs and spans. A label is the route's template
 * (`/v1/customers/:customerId`), never the path as sent: paths carry customer ids (personal
 * data), and would give every customer a time series of its own.
 */

/** The label of a request that matches no route of the service (404s, probes of random paths). */
export const UNMATCHED_ROUTE = 'unmatched';

interface CompiledTemplate {
  readonly template: string;
  /** One entry per segment: the literal to compare, or null for a `:parameter`. */
  readonly segments: readonly (string | null)[];
  readonly literals: number;
}

function segmentsOf(path: string): string[] {
  return path.split('/').filter((segment) => segment.length > 0);
}

/**
 * Matches request paths against a service's route templates, for requests the router did not
 * reach (refused by a middleware before routing, preflights) or that it could not route.
 */
export class RouteTemplates {
  private readonly compiled: readonly CompiledTemplate[];

  constructor(templates: Iterable<string>) {
    const unique = [...new Set(templates)];
    // The most literal template first, so `/v1/admin/keys` wins over `/v1/:any/keys`.
    this.compiled = unique
      .map((template): CompiledTemplate => {
        const segments = segmentsOf(template).map((s) => (s.startsWith(':') ? null : s));
        return { template, segments, literals: segments.filter((s) => s !== null).length };
      })
      .sort((a, b) => b.literals - a.literals);
  }

  /** The template `path` (no query string) fits, else `UNMATCHED_ROUTE`. */
  match(path: string): string {
    const parts = segmentsOf(path);
    for (const { template, segments } of this.compiled) {
      if (segments.length !== parts.length) continue;
      if (segments.every((s, i) => s === null || s === parts[i])) return template;
    }
    return UNMATCHED_ROUTE;
  }
}

/** The path of a request target, without its query string or fragment. */
export function pathOf(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
}

/** What a router leaves on a request it dispatched to a route (Express sets `req.route`). */
export interface RoutedRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly originalUrl?: string | undefined;
  readonly baseUrl?: string | undefined;
  readonly route?: { readonly path?: unknown } | undefined;
}

/**
 * The route label of a finished request: the template the router matched, else the template the
 * path fits (a request refused before routing, such as a malformed body), else `UNMATCHED_ROUTE`.
 */
export function routeLabel(req: RoutedRequest, templates: () => RouteTemplates): string {
  const routed = req.route?.path;
  if (typeof routed === 'string') return `${req.baseUrl ?? ''}${routed}`;
  return templates().match(pathOf(req.originalUrl ?? req.url ?? '/'));
}

/** Express's route templates, from the router of an Express 4 or 5 application. */
export function expressRouteTemplates(app: unknown): string[] {
  const router = (app as { router?: unknown; _router?: unknown } | null) ?? {};
  const stack = ((router.router ?? router._router) as { stack?: unknown } | undefined)?.stack;
  if (!Array.isArray(stack)) return [];
  return stack.flatMap((layer: unknown) => {
    const path = (layer as { route?: { path?: unknown } }).route?.path;
    return typeof path === 'string' ? [path] : [];
  });
}

/** A request's route label; the templates are read on first need (every route exists by then). */
export function routeLabeller(source: () => Iterable<string>): (req: RoutedRequest) => string {
  let templates: RouteTemplates | null = null;
  return (req) => routeLabel(req, () => (templates ??= new RouteTemplates(source())));
}

/** The route labeller of a Nest application served by Express. */
export function appRouteLabeller(app: INestApplication): (req: RoutedRequest) => string {
  return routeLabeller(() => expressRouteTemplates(app.getHttpAdapter().getInstance()));
}
