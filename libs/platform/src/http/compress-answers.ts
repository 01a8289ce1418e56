import type { INestApplication } from '@nestjs/common';
import compression from 'compression';

/**
 * Answers of 1 KB and more are compressed (gzip or deflate) for clients that ask with
 * `Accept-Encoding`; the others get them as before, so a client that never asks pays nothing.
 */
export function compressAnswers(app: INestApplication): void {
  app.use(compression({ threshold: 1024 }));
}
