import 'reflect-metadata';
import { runHttpService } from '@cx/platform';
import { IngestionConfig } from './config/ingestion.config';
import { configureIngestionHttp } from './ingestion.http';
import { IngestionModule } from './ingestion.module';

runHttpService({
  name: 'ingestion',
  config: IngestionConfig,
  module: (config) => IngestionModule.forRoot(config),
  configure: (app, config) => configureIngestionHttp(app, { publicUrl: config.CX_PUBLIC_URL }),
  listening: (url) => `listening on ${url} (docs at /docs)`,
});
