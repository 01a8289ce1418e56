import type { INestApplication } from '@nestjs/common';
import { jsonBody, observeHttp, setupOpenApi } from '@cx/platform';
import { QUERY_BODY_LIMIT_BYTES } from './common/api-errors';

/**
 * HTTP set-up shared by `main.ts` and the tests, so that tests exercise the real edge. The app is
 * created with `createHttpAdapter()` (header limit, JSON answers to malformed requests) and
 * `bodyParser: false`: the strict JSON parser owns the (admin) bodies, their limit and errors.
 */
export function configureQueryHttp(
  app: INestApplication,
  http: { readonly publicUrl?: string } = {},
): void {
  // First, so that requests the body parser refuses are counted too.
  observeHttp(app);
  app.use('/', jsonBody({ limitBytes: QUERY_BODY_LIMIT_BYTES, emptyIsObject: true }));
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
    tags: {
      customers: 'Read models per customer, the customer listing and the touchpoint timeline.',
      privacy: "A customer's data: export, erasure and readmission.",
      consent: 'The consents a customer gave or withdrew, as they stand.',
      analytics:
        'CX metrics of the organisation (scope analytics:read): NPS, CSAT, CES and complaints over time and by dimension.',
      admin: 'API keys and the audit trail (scope admin).',
    },
    publicUrl: http.publicUrl,
  });
}
