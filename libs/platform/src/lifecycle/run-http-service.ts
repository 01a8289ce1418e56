import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { ServiceConfig } from '../config/service.config';
import { validateConfig } from '../config/validate-config';
import { applyCors } from '../http/cors';
import { createHttpAdapter } from '../http/http-server';
import { appRouteLabeller } from '../http/route-template';
import { createServiceLogger, NestJsonLogger } from '../logging/json-logger';
import { requestLog } from '../logging/request-log.middleware';
import { startTracing } from '../tracing/start-tracing';

export interface HttpServiceSpec<C extends ServiceConfig & { readonly PORT: number }> {
  /** `ingestion`, `query`, `projector`: the log's `service`, and `cx-<name>` in traces. */
  readonly name: string;
  readonly config: new () => C;
  readonly module: (config: C) => DynamicModule;
  /**
   * The service's own HTTP set-up (metrics, body parser, docs), mounted after the
   * request log. Express's own body parser is off: a service that takes bodies mounts `jsonBody`,
   * which owns the limits, the decoding and the error answers.
   */
  readonly configure: (app: INestApplication, config: C) => void;
  /** What the service says once it listens. */
  readonly listening: (url: string, config: C) => string;
}

async function start<C extends ServiceConfig & { readonly PORT: number }>(
  spec: HttpServiceSpec<C>,
): Promise<void> {
  const config = validateConfig(spec.config, process.env);
  // Before the application exists, so every span of it goes to the SDK (when tracing is on).
  startTracing(`cx-${spec.name}`);
  const log = createServiceLogger(spec.name, config.CX_LOG_LEVEL);
  const app = await NestFactory.create(spec.module(config), createHttpAdapter(), {
    bodyParser: false,
    logger: new NestJsonLogger(log),
  });
  // First, so that answers given before routing (400, 413, 415 of the body parser) are logged.
  app.use(requestLog(log, appRouteLabeller(app)));
  spec.configure(app, config);
  applyCors(app, config.CX_CORS_ORIGINS);
  await app.listen(config.PORT, config.HOST);
  log.info(spec.listening(await app.getUrl(), config));
}

/**
 * A service's `main`: its environment validated (a bad value stops it with the reason), tracing
 * started when configured, JSON logs with one line per request, its module served over HTTP.
 */
export function runHttpService<C extends ServiceConfig & { readonly PORT: number }>(
  spec: HttpServiceSpec<C>,
): void {
  start(spec).catch((error: unknown) => {
    createServiceLogger(spec.name).fatal({ err: error }, 'did not start');
    process.exit(1);
  });
}
