import 'reflect-metadata';
import { runHttpService } from '@cx/platform';
import { ProjectorConfig } from './config/projector.config';
import { configureProjectorHttp } from './projector.http';
import { ProjectorModule } from './projector.module';

runHttpService({
  name: 'projector',
  config: ProjectorConfig,
  module: (config) => ProjectorModule.forRoot(config),
  configure: (app, config) => configureProjectorHttp(app, { publicUrl: config.CX_PUBLIC_URL }),
  listening: (url, config) => `health on ${url} (group ${config.PROJECTOR_GROUP}, docs at /docs)`,
});
