import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { BEARER_SCHEME } from '../auth/access.decorators';

export interface OpenApiOptions {
  readonly title: string;
  readonly description: string;
  readonly version: string;
}

/**
 * Serves the OpenAPI UI at `/docs` and the document at `/docs-json`, both open to anyone who reaches
 * the port: they describe the API and hold no data, and "Authorize" in the UI needs the page first.
 */
export function setupOpenApi(app: INestApplication, options: OpenApiOptions): void {
  const config = new DocumentBuilder()
    .setTitle(options.title)
    .setDescription(options.description)
    .setVersion(options.version)
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'cxk_… API key or JWT',
        description:
          'An API key (`cxk_…`, from `cx keys create` or `POST /v1/admin/keys`) or an access token ' +
          'of the OIDC issuer configured in `CX_OIDC_ISSUER`, with the scopes the route names.',
      },
      BEARER_SCHEME,
    )
    .build();
  const document = SwaggerModule.createDocument(app, config);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
  });
}
