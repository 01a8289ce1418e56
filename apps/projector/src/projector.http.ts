import type { INestApplication } from '@nestjs/common';
import { observeHttp, setupOpenApi } from '@cx/platform';

/**
 * HTTP set-up shared by `main.ts` and the tests. The projector's HTTP side is operational only
 * (health, metrics, lag), yet it is documented like the other services, at `/docs`.
 */
export function configureProjectorHttp(
  app: INestApplication,
  http: { readonly publicUrl?: string } = {},
): void {
  // First, so that every request is counted.
  observeHttp(app);
  // SIGTERM / SIGINT: the batch in flight finishes, the group is left cleanly.
  app.enableShutdownHooks();
  setupOpenApi(app, {
    title: 'cx-journey projector',
    description:
      'Applies the touchpoint events of cx.touchpoints.v1 to the read models. Its HTTP side is for ' +
      'operators: health probes (open), metrics and the projection lag (scope metrics:read, ' +
      'Authorization: Bearer <API key or OIDC token>). ' +
      'Every error answers { error, details: [{ path, message }] }.',
    version: '1',
    tags: {},
    publicUrl: http.publicUrl,
  });
}
