import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

export interface OpenApiOptions {
  readonly title: string;
  readonly description: string;
  readonly version: string;
}

/** Serves the OpenAPI UI at `/docs` and the document at `/docs-json`. */
export function setupOpenApi(app: INestApplication, options: OpenApiOptions): void {
  const config = new DocumentBuilder()
    .setTitle(options.title)
    .setDescription(options.description)
    .setVersion(options.version)
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
