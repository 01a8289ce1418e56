import type { AddressInfo, Server } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { BEARER_SCHEME } from '../auth/access.decorators';

export interface OpenApiOptions {
  readonly title: string;
  readonly description: string;
  readonly version: string;
  /** The operation tags the service's routes use, with what each groups (`health` and `metrics` are added). */
  readonly tags: Readonly<Record<string, string>>;
  /**
   * Where clients reach the service (`CX_PUBLIC_URL`), e.g. behind a proxy. Without it the
   * document names the address the service listens on, read when the document is asked for.
   */
  readonly publicUrl?: string;
}

/** Tags of the routes every service has. */
const SHARED_TAGS: Readonly<Record<string, string>> = {
  health: 'Liveness and readiness probes, open without a credential.',
  metrics: 'Prometheus metrics of the service instance (scope metrics:read).',
};

/**
 * The base URL of a server listening on `address`: the loopback address stands in for a
 * wildcard one (`0.0.0.0`, `::`), which no client can connect to.
 */
export function listeningUrl(address: AddressInfo | string | null): string | undefined {
  if (address === null || typeof address === 'string') return undefined;
  const host =
    address.address === '0.0.0.0'
      ? '127.0.0.1'
      : address.address === '::'
        ? '[::1]'
        : address.family === 'IPv6' || address.address.includes(':')
          ? `[${address.address}]`
          : address.address;
  return `http://${host}:${address.port}`;
}

/** The document with `servers` naming `url` (a trailing slash dropped: paths start with one). */
export function withServer(document: OpenAPIObject, url: string | undefined): OpenAPIObject {
  if (url === undefined) return document;
  return { ...document, servers: [{ url: url.replace(/\/+$/, '') }] };
}

/**
 * Serves the OpenAPI UI at `/docs` and the document at `/docs-json`, both open to anyone who reaches
 * the port: they describe the API and hold no data, and "Authorize" in the UI needs the page first.
 * Every route names its `operationId` (a generated client's method name) in `@ApiOperation`.
 */
export function setupOpenApi(app: INestApplication, options: OpenApiOptions): void {
  const builder = new DocumentBuilder()
    .setTitle(options.title)
    .setDescription(options.description)
    .setVersion(options.version)
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
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
    );
  for (const [name, description] of Object.entries({ ...options.tags, ...SHARED_TAGS })) {
    builder.addTag(name, description);
  }
  const document = withServer(
    SwaggerModule.createDocument(app, builder.build()),
    options.publicUrl,
  );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true },
    // The port is known once the server listens (tests listen on port 0).
    patchDocumentOnRequest: (_req, _res, served) =>
      options.publicUrl === undefined
        ? withServer(served, listeningUrl((app.getHttpServer() as Server).address()))
        : served,
  });
}
