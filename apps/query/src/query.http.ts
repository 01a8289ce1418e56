import type { INestApplication } from '@nestjs/common';
import { jsonBody, setupOpenApi } from '@cx/platform';

/**
 * HTTP set-up shared by `main.ts` and the tests, so that tests exercise the real edge. The app is
 * created with `createHttpAdapter()` (header limit, JSON answers to malformed requests) and
 * `bodyParser: false`: the strict JSON parser owns the (admin) bodies, their limit and errors.
 */
export function configureQueryHttp(app: INestApplication): void {
  app.use('/', jsonBody({ limitBytes: 64 * 1024, emptyIsObject: true }));
  app.enableShutdownHooks();
  setupOpenApi(app, {
    title: 'cx-journey query',
    description:
      'Read models per customer (profile, journey, emotion, loyalty), worklists, and the touchpoint timeline. ' +
      'Every query accepts ?minPosition= (a position returned by ingestion) to read its own writes. ' +
      'Every request but health needs Authorization: Bearer <API key or OIDC token> with the scope the route names. ' +
      'Request bodies (admin) at most 64 KB; pages at most 200 items. ' +
      'Every error answers { error, details: [{ path, message }] }.',
    version: '1',
  });
}
