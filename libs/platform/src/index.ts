export { AppException } from './errors/app.exception';
export { HttpErrorFilter } from './errors/http-error.filter';
export { ErrorResponseDto, ValidationIssueDto } from './errors/error.response.dto';
export { jsonBody, type JsonBodyOptions } from './http/json-body.middleware';
export { validateConfig, ConfigValidationError } from './config/validate-config';
export { probe, type ProbeResult } from './health/probe';
export { LIVE, LivenessRoute, ReadinessRoute, type LiveBody } from './health/health-routes';
export {
  allUp,
  readinessAnswer,
  runProbes,
  type ReadinessStatus,
  type StatusSettable,
} from './health/readiness';
export { setupOpenApi, type OpenApiOptions } from './http/open-api';
export { HttpBodyException, HttpBodyErrorCode } from './http/http-body.exception';
export {
  kafkaProviders,
  pgPoolProvider,
  type KafkaProviderTokens,
  type PgPoolProviderOptions,
} from './infrastructure/infrastructure.providers';
export { eventStoreProviders } from './infrastructure/event-store.providers';
