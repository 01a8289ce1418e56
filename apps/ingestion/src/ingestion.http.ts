import type { INestApplication } from '@nestjs/common';
import { TOUCHPOINT_MAX_BYTES } from '@cx/contracts';
import { jsonBody } from '@cx/platform';
import { observeHttp, setupOpenApi } from '@cx/platform';
import { traceRequests } from '@cx/platform';

/** Body limits: a touchpoint is at most ~300 KB (text 4,000 chars, 50 attributes of 1,000). */
export const SINGLE_BODY_LIMIT_BYTES = TOUCHPOINT_MAX_BYTES;
/** 1,000 ordinary touchpoints are ~0.5–1 MB; 5 MB leaves room for long texts. */
export const BATCH_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

/**
 * HTTP set-up shared by `main.ts` and the tests, so that tests exercise the real edge. The app
 * must be created with `createHttpAdapter()` (header limit, JSON answers to malformed requests)
 * and `bodyParser: false`: these parsers own the limits and the error answers.
 */
export function configureIngestionHttp(
  app: INestApplication,
  http: { readonly publicUrl?: string } = {},
): void {
  // First, so that requests the body parsers refuse are counted too.
  observeHttp(app);
  // W3C traceparent / tracestate of the write routes: before the body parsers, so a refused
  // body is in the server span too.
  app.use(['/v1/touchpoints', '/v1/customers'], traceRequests());
  app.use('/v1/touchpoints/batch', jsonBody({ limitBytes: BATCH_BODY_LIMIT_BYTES }));
  app.use('/', jsonBody({ limitBytes: SINGLE_BODY_LIMIT_BYTES }));
  app.enableShutdownHooks();
  setupOpenApi(app, {
    title: 'cx-journey ingestion',
    description:
      'Touchpoints in: validated, stored once in the event store, then published to Kafka ' +
      '(cx.touchpoints.v1, CloudEvents binary mode). Bodies are strict UTF-8 JSON: bytes that are not UTF-8 ' +
      '(400 invalid_encoding), a key given twice in an object (400 duplicate_key, each path named) and text ' +
      'with NUL or unpaired UTF-16 surrogates (400, the field named) are refused, never rewritten. ' +
      'Bodies may be sent with Content-Encoding gzip or deflate; the size limits hold for the inflated body. ' +
      'Every request but health needs Authorization: Bearer <API key or OIDC token> with the scope touchpoints:write. ' +
      'Every error answers { error, details: [{ path, message }] }.',
    version: '1',
    tags: {
      touchpoints: 'Touchpoints in, one at a time or in batches of up to 1,000.',
      consent: "Changes of a customer's consent to a purpose.",
    },
    publicUrl: http.publicUrl,
  });
}
