import type { INestApplication } from '@nestjs/common';
import { jsonBody } from '@cx/platform';
import { setupOpenApi } from '@cx/platform';

/** Body limits: a touchpoint is at most ~300 KB (text 4,000 chars, 50 attributes of 1,000). */
export const SINGLE_BODY_LIMIT_BYTES = 1024 * 1024;
/** 1,000 ordinary touchpoints are ~0.5–1 MB; 5 MB leaves room for long texts. */
export const BATCH_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

/**
 * HTTP set-up shared by `main.ts` and the tests, so that tests exercise the real edge. The app
 * must be created with `createHttpAdapter()` (header limit, JSON answers to malformed requests)
 * and `bodyParser: false`: these parsers own the limits and the error answers.
 */
export function configureIngestionHttp(app: INestApplication): void {
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
  });
}
