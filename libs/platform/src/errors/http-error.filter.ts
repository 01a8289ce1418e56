import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ErrorBody, ValidationIssue } from '@cx/contracts';
import { isStoreUnavailable } from '@cx/event-store';
import { AppException, CredentialException } from './app.exception';
import { ErrorKind } from './error-kind';
import { httpStatusOf } from './http-status';
import { ThrottledWarnings } from './throttled-warnings';

/**
 * `Retry-After` of every 503: what is unavailable (a database restarting, a projection behind)
 * clears up on its own, so the client is told to send the same request again soon.
 */
export const RETRY_AFTER_SECONDS = 1;

const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  410: 'gone',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  401: 'unauthenticated',
  403: 'forbidden',
  422: 'unprocessable_entity',
  429: 'too_many_requests',
  503: 'service_unavailable',
};

function messageOf(response: string | object): string {
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return '';
}

/** Errors from Node/Express middleware (`http-errors` shape) that are safe to show. */
function exposedClientError(error: unknown): { status: number; message: string } | null {
  if (typeof error !== 'object' || error === null) return null;
  const { status, expose, message } = error as {
    status?: unknown;
    expose?: unknown;
    message?: unknown;
  };
  if (typeof status !== 'number' || status < 400 || status > 499 || expose !== true) return null;
  return { status, message: typeof message === 'string' ? message : '' };
}

/**
 * The one place where errors become HTTP answers: every error gets `{ error, details }`, and
 * nothing about the internals leaks out of a 500 (it is logged instead). Every 503 carries
 * `Retry-After`; a database error that means "unreachable" which no handler turned into an
 * application error is a 503 `store_unavailable` too, never a 500. Only HTTP requests are
 * answered here; an error raised in another context (a future gRPC handler) is thrown on
 * unchanged, for that transport's own filter.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');
  /** 503s come in floods during an outage: the first of each code, then one per 10 s. */
  private readonly unavailable = new ThrottledWarnings(this.logger);

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const { status, body } = this.toAnswer(exception);
    const response: unknown = host.switchToHttp().getResponse();
    const { httpAdapter } = this.adapterHost;
    const retryAfter =
      exception instanceof AppException && exception.retryAfterSeconds !== undefined
        ? exception.retryAfterSeconds
        : status === Number(HttpStatus.SERVICE_UNAVAILABLE)
          ? RETRY_AFTER_SECONDS
          : undefined;
    if (retryAfter !== undefined) {
      httpAdapter.setHeader(response, 'Retry-After', String(retryAfter));
    }
    if (exception instanceof CredentialException) {
      httpAdapter.setHeader(response, 'WWW-Authenticate', bearerChallenge(exception));
    }
    httpAdapter.reply(response, body, status);
  }

  private toAnswer(exception: unknown): { status: number; body: ErrorBody } {
    if (exception instanceof AppException) {
      const status: number = httpStatusOf(exception.kind);
      const line = `${exception.code}: ${exception.message}`;
      if (exception.kind === ErrorKind.Unavailable) this.unavailable.warn(exception.code, line);
      else if (status >= 500) this.logger.warn(line);
      return { status, body: { error: exception.code, details: exception.details } };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status < 500) return clientError(status, messageOf(exception.getResponse()));
    }
    const exposed = exposedClientError(exception);
    if (exposed) return clientError(exposed.status, exposed.message);
    if (isStoreUnavailable(exception)) {
      const cause = exception instanceof Error ? exception.message : String(exception);
      this.unavailable.warn('store_unavailable', `store_unavailable: ${cause}`);
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        body: {
          error: 'store_unavailable',
          details: [{ path: '', message: 'the database is unreachable; retry later' }],
        },
      };
    }

    const detail =
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
    this.logger.error(`unhandled error: ${detail}`);
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      body: {
        error: 'internal_error',
        details: [{ path: '', message: 'internal error; it has been logged' }],
      },
    };
  }
}

/** RFC 6750 §3: the scheme, and why the credential was refused when one was sent. */
export function bearerChallenge(exception: CredentialException): string {
  const params = ['realm="cx-journey"'];
  if (exception.problem !== undefined) {
    params.push(`error="${exception.problem}"`);
    params.push(`error_description="${exception.message.replace(/["\\]/g, '')}"`);
  }
  if (exception.requiredScope !== undefined) params.push(`scope="${exception.requiredScope}"`);
  return `Bearer ${params.join(', ')}`;
}

function clientError(status: number, message: string): { status: number; body: ErrorBody } {
  const details: ValidationIssue[] = [{ path: '', message: message || 'request refused' }];
  return { status, body: { error: CODE_BY_STATUS[status] ?? 'bad_request', details } };
}
