import {
  HttpException,
  SetMetadata,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { Reflector } from '@nestjs/core';
import { catchError, from, mergeMap, throwError, type Observable } from 'rxjs';
import type { AuditEntry, AuditLog } from '@cx/event-store';
import { AppException } from '../errors/app.exception';
import { httpStatusOf } from '../errors/http-status';
import type { WithPrincipal } from './access.decorators';

const AUDITED = 'cx:audited';

interface AuditSpec {
  readonly action: string;
  /** Only when the caller could see personal data (holds `personal:read`). */
  readonly personalOnly: boolean;
}

/**
 * Records the route in the audit log, with who called, the customer it concerns and the status
 * answered: every admin action, and every read that may reveal personal data.
 */
export const Audited = (
  action: string,
  options: { personalOnly?: boolean } = {},
): MethodDecorator =>
  SetMetadata(AUDITED, { action, personalOnly: options.personalOnly === true } satisfies AuditSpec);

interface AuditedRequest extends WithPrincipal {
  readonly method: string;
  readonly originalUrl?: string;
  readonly url: string;
  readonly params?: Readonly<Record<string, string>>;
}

function statusOfError(error: unknown): number {
  if (error instanceof AppException) return httpStatusOf(error.kind);
  if (error instanceof HttpException) return error.getStatus();
  return 500;
}

/**
 * Writes the audit entry before the answer leaves: a read of personal data that cannot be
 * recorded is not served (it fails with the error of the audit write).
 */
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly audit: AuditLog,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const spec = this.reflector.get<AuditSpec | undefined>(AUDITED, context.getHandler());
    if (spec === undefined || context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<AuditedRequest>();
    const principal = request.principal;
    if (spec.personalOnly && principal?.scopes.has('personal:read') !== true) return next.handle();
    const entry = (status: number): AuditEntry => ({
      actorId: principal?.id ?? 'unknown',
      actorName: principal?.name ?? 'unknown',
      action: spec.action,
      method: request.method,
      path: (request.originalUrl ?? request.url).split('?')[0] ?? '',
      customerId: request.params?.customerId ?? null,
      status,
    });
    const declared = this.reflector.get<number | undefined>(
      HTTP_CODE_METADATA,
      context.getHandler(),
    );
    const response = http.getResponse<{ statusCode: number }>();
    return next.handle().pipe(
      mergeMap(async (value: unknown) => {
        // Nest applies the route's status after the handler; a handler may set its own.
        const status =
          response.statusCode !== 200
            ? response.statusCode
            : (declared ?? (request.method === 'POST' ? 201 : 200));
        await this.audit.record(entry(status));
        return value;
      }),
      catchError((error: unknown) =>
        from(this.audit.record(entry(statusOfError(error))).catch(() => undefined)).pipe(
          mergeMap(() => throwError(() => error)),
        ),
      ),
    );
  }
}
