import {
  expressRouteTemplates,
  pathOf,
  routeLabel,
  RouteTemplates,
  UNMATCHED_ROUTE,
} from './route-template';

describe('route templates for metric labels', () => {
  const templates = new RouteTemplates([
    '/v1/customers',
    '/v1/customers/:customerId',
    '/v1/customers/:customerId/journey',
    '/v1/:section/keys',
    '/v1/admin/keys',
    '/v1/admin/keys',
    '/metrics',
  ]);

  it('labels a path with the template it fits, never with the ids in it', () => {
    expect(templates.match('/v1/customers/c-42')).toBe('/v1/customers/:customerId');
    expect(templates.match('/v1/customers/c-42/journey')).toBe('/v1/customers/:customerId/journey');
    expect(templates.match('/v1/customers')).toBe('/v1/customers');
    expect(templates.match('/v1/customers/')).toBe('/v1/customers');
  });

  it('prefers the template with more literal segments', () => {
    expect(templates.match('/v1/admin/keys')).toBe('/v1/admin/keys');
    expect(templates.match('/v1/other/keys')).toBe('/v1/:section/keys');
  });

  it('labels every path that fits no template alike', () => {
    expect(templates.match('/v1/customers/c-42/unknown')).toBe(UNMATCHED_ROUTE);
    expect(templates.match('/wp-admin/login.php')).toBe(UNMATCHED_ROUTE);
    expect(new RouteTemplates([]).match('/metrics')).toBe(UNMATCHED_ROUTE);
  });

  it('drops the query string and fragment of a request target', () => {
    expect(pathOf('/v1/customers/c-1?minPosition=3#x')).toBe('/v1/customers/c-1');
    expect(pathOf('/metrics#top')).toBe('/metrics');
    expect(pathOf('/metrics')).toBe('/metrics');
  });

  it('takes the template the router matched, and matches the path only when none was', () => {
    const lookups: string[] = [];
    const lazy = (): RouteTemplates => {
      lookups.push('built');
      return templates;
    };
    expect(routeLabel({ route: { path: '/v1/customers/:customerId' }, url: '/x' }, lazy)).toBe(
      '/v1/customers/:customerId',
    );
    expect(lookups).toEqual([]);
    expect(routeLabel({ originalUrl: '/v1/customers/c-9?waitMs=1', url: '/' }, lazy)).toBe(
      '/v1/customers/:customerId',
    );
    expect(routeLabel({ url: '/nowhere' }, lazy)).toBe(UNMATCHED_ROUTE);
  });

  it('reads the route templates of an Express router stack', () => {
    const express5 = {
      router: {
        stack: [{ name: 'query' }, { route: { path: '/metrics' } }, { route: { path: /x/ } }],
      },
    };
    const express4 = { _router: { stack: [{ route: { path: '/v1/customers' } }] } };
    expect(expressRouteTemplates(express5)).toEqual(['/metrics']);
    expect(expressRouteTemplates(express4)).toEqual(['/v1/customers']);
    expect(expressRouteTemplates(null)).toEqual([]);
    expect(expressRouteTemplates({})).toEqual([]);
  });
});
