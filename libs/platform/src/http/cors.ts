import type { INestApplication } from '@nestjs/common';

/**
 * Browsers may call the API only from the origins listed (`CX_CORS_ORIGINS`, comma-separated);
 * with none listed no CORS header is ever sent, so no other site's script can read an answer.
 * Credentials travel in `Authorization`, never in cookies: `credentials` stays off.
 */
export function applyCors(app: INestApplication, origins: string | undefined): void {
  const allowed = (origins ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o !== '');
  if (allowed.length === 0) return;
  app.enableCors({
    origin: allowed,
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
    exposedHeaders: ['retry-after', 'www-authenticate', 'x-request-id'],
    maxAge: 600,
  });
}
