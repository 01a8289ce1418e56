export { AppException } from './errors/app.exception';
export { HttpErrorFilter } from './errors/http-error.filter';
export { ErrorResponseDto, ValidationIssueDto } from './errors/error.response.dto';
export { jsonBody, type JsonBodyOptions } from './http/json-body.middleware';
export { validateConfig, ConfigValidationError } from './config/validate-config';
export { probe, type ProbeResult } from './health/probe';
export { setupOpenApi, type OpenApiOptions } from './http/open-api';
export { HttpBodyException, HttpBodyErrorCode } from './http/http-body.exception';
