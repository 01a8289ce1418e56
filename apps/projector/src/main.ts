import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { applyCors, createHttpAdapter, validateConfig } from '@cx/platform';
import { ProjectorConfig } from './config/projector.config';
import { ProjectorModule } from './projector.module';

async function bootstrap(): Promise<void> {
  const config = validateConfig(ProjectorConfig, process.env);
  const app = await NestFactory.create(ProjectorModule.forRoot(config), createHttpAdapter());
  // SIGTERM / SIGINT: the batch in flight finishes, the group is left cleanly.
  app.enableShutdownHooks();
  applyCors(app, config.CX_CORS_ORIGINS);
  await app.listen(config.PORT, config.HOST);
  new Logger('projector').log(`health on ${await app.getUrl()} (group ${config.PROJECTOR_GROUP})`);
}

bootstrap().catch((error: unknown) => {
  new Logger('projector').error(
    error instanceof Error ? (error.stack ?? error.message) : String(error),
  );
  process.exit(1);
});
