export {
  AppException,
  appErrorFactory,
  CredentialException,
  type AppErrorFactory,
  type CredentialProblem,
} from './errors/app.exception';
export { ErrorKind } from './errors/error-kind';
export { httpStatusOf } from './errors/http-status';
export { GrpcStatus, grpcStatusOf } from './errors/grpc-status';
export { HttpErrorFilter } from './errors/http-error.filter';
export { ErrorResponseDto, ValidationIssueDto } from './errors/error.response.dto';
export { jsonBody, parseJsonBody, type JsonBodyOptions } from './http/json-body.middleware';
export { validateConfig, ConfigValidationError } from './config/validate-config';
export { probe, type ProbeResult } from './health/probe';
export { LIVE, LivenessRoute, ReadinessRoute, type LiveBody } from './health/health-routes';
export {
  allUp,
  readinessAnswer,
  runProbes,
  type ReadinessBody,
  type ReadinessStatus,
  type StatusSettable,
} from './health/readiness';
export {
  HealthController,
  ServiceHealth,
  type NamedProbes,
  type ProbeResults,
  type ReadinessExtras,
} from './health/health-controller';
export {
  ServiceLifecycle,
  type LifecycleStep,
  type ServiceLifecycleParts,
} from './lifecycle/service-lifecycle';
export { setupOpenApi, type OpenApiOptions } from './http/open-api';
export {
  ApiErrorResponse,
  BODY_ERRORS,
  errorBody,
  type ErrorExample,
} from './http/api-error-response';
export { ApiJsonBody } from './http/api-json-body';
export { httpBodyError, HttpBodyErrorCode } from './http/http-body.exception';
export {
  kafkaProviders,
  pgPoolProvider,
  type KafkaProviderTokens,
  type PgPoolProviderOptions,
} from './infrastructure/infrastructure.providers';
export {
  eventStoreProviders,
  KEYSTORE_POOL,
  type EventStoreProviderOptions,
} from './infrastructure/event-store.providers';
export {
  createPgPool,
  DatabaseOutageLog,
  DEFAULT_CONNECTION_TIMEOUT_MS,
  guardPoolErrors,
  type OutageLogger,
  type PgPoolOptions,
} from './infrastructure/pg-pool';
export { RETRY_AFTER_SECONDS } from './errors/http-error.filter';
export {
  HardenedExpressAdapter,
  HTTP_SERVER_LIMITS,
  answerClientErrors,
  createHttpAdapter,
} from './http/http-server';
export { SCOPES, isScope, type Principal, type Scope } from './auth/scopes';
export { AccessConfig } from './auth/access.config';
export {
  BEARER_SCHEME,
  CurrentPrincipal,
  Public,
  RequireScope,
  type WithPrincipal,
} from './auth/access.decorators';
export { AccessGuard } from './auth/access.guard';
export { AccessControl, type AccessRequest, type AccessSettings } from './auth/access-control';
export { Authenticator, ANONYMOUS } from './auth/authenticator';
export { accessProviders } from './auth/access.providers';
export { RateLimiter, type RateDecision, type RateLimit } from './auth/rate-limiter';
export { Audited, AuditInterceptor } from './auth/audit.interceptor';
export { applyCors } from './http/cors';
export { ServiceConfig } from './config/service.config';
export { type LogLevel } from './logging/log-level';
export { appRouteLabeller } from './http/route-template';
export {
  appendMetricsProvider,
  metricsProviders,
  observeHttp,
  relayMetricsProvider,
} from './metrics/metrics.providers';
export { MetricsHttpController, PROMETHEUS_TEXT } from './metrics/metrics.http.controller';
export { HttpMetrics } from './metrics/http-metrics';
export { AppendMetrics, RelayMetrics, type RelayBacklog } from './metrics/pipeline-metrics';
export { readWithin, SCRAPE_READ_TIMEOUT_MS, sharedReading } from './metrics/service-registry';
export { TracingShutdown } from './tracing/tracing-shutdown';
export { traceRequests } from './tracing/request-trace.middleware';
export { RequestTrace } from './tracing/request-trace.decorator';
export { runHttpService, type HttpServiceSpec } from './lifecycle/run-http-service';
export {
  GrpcEdge,
  grpcEdgeProvider,
  isOversized,
  payloadTooLarge,
  peerAddress,
  OversizedRequest,
  type GrpcService,
  type GrpcEdgeProviderOptions,
  type ClientStreamMethod,
  type GrpcAudit,
  type GrpcCall,
  type GrpcEdgeOptions,
  type GrpcMethod,
  type GrpcServiceBinding,
  type UnaryMethod,
} from './grpc/grpc-edge';
export {
  ERROR_DOMAIN,
  STATUS_DETAILS_KEY,
  grpcErrorOf,
  statusDetails,
  type GrpcError,
} from './grpc/grpc-error';
export { PROTO_LOADER_OPTIONS, errorDetailTypes, grpcContract } from './grpc/grpc-contract';
