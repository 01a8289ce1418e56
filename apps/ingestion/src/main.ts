import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { applyCors, createHttpAdapter, validateConfig } from '@cx/platform';
import { IngestionConfig } from './config/ingestion.config';
import { configureIngestionHttp } from './ingestion.http';
import { IngestionModule } from './ingestion.module';

async function bootstrap(): Promise<void> {
  const config = validateConfig(IngestionConfig, process.env);
  const app = await NestFactory.create(IngestionModule.forRoot(config), createHttpAdapter(), {
    bodyParser: false,
  });
  configureIngestionHttp(app);
  applyCors(app, config.CX_CORS_ORIGINS);
  await app.listen(config.PORT, config.HOST);
  new Logger('ingestion').log(`listening on ${await app.getUrl()} (docs at /docs)`);
}

bootstrap().catch((error: unknown) => {
  new Logger('ingestion').error(
    error instanceof Error ? (error.stack ?? error.message) : String(error),
  );
  process.exit(1);
});
