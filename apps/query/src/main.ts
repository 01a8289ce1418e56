import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { applyCors, createHttpAdapter, validateConfig } from '@cx/platform';
import { QueryConfig } from './config/query.config';
import { configureQueryHttp } from './query.http';
import { QueryModule } from './query.module';

async function bootstrap(): Promise<void> {
  const config = validateConfig(QueryConfig, process.env);
  const app = await NestFactory.create(QueryModule.forRoot(config), createHttpAdapter(), {
    bodyParser: false,
  });
  configureQueryHttp(app);
  applyCors(app, config.CX_CORS_ORIGINS);
  await app.listen(config.PORT, config.HOST);
  new Logger('query').log(`listening on ${await app.getUrl()} (docs at /docs)`);
}

bootstrap().catch((error: unknown) => {
  new Logger('query').error(
    error instanceof Error ? (error.stack ?? error.message) : String(error),
  );
  process.exit(1);
});
