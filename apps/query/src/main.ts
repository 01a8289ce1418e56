import 'reflect-metadata';
import { runHttpService } from '@cx/platform';
import { QueryConfig } from './config/query.config';
import { configureQueryHttp } from './query.http';
import { QueryModule } from './query.module';

runHttpService({
  name: 'query',
  config: QueryConfig,
  module: (config) => QueryModule.forRoot(config),
  configure: (app, config) => configureQueryHttp(app, { publicUrl: config.CX_PUBLIC_URL }),
  listening: (url) => `listening on ${url} (docs at /docs)`,
});
