import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Matches, Max, MaxLength, Min, ValidateBy } from 'class-validator';
import { TOUCHPOINT_LIMITS } from '@cx/contracts';
import { QueryErrorCode, queryError } from '../query.exception';
import { decodeCursor, type CursorKind } from './page-cursor';

/** The largest `waitMs` a request may ask for: a client should not hold a connection longer. */
export const MAX_WAIT_MS = 30_000;
export const PAGE_LIMIT = { min: 1, max: 200, default: 50 } as const;

/**
 * Query strings arrive as text: only plain decimal integers become numbers. Anything else
 * (`1.5`, `1e3`, `0x10`, ``, a repeated parameter) stays as it is and fails `IsInt`.
 */
const toInteger = (): PropertyDecorator =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^-?[0-9]{1,16}$/.test(value) ? Number(value) : value,
  );

const composite =
  (...decorators: PropertyDecorator[]): PropertyDecorator =>
  (target, key) => {
    for (const decorate of decorators) decorate(target, key);
  };

/** An identifier as ingestion accepts it (same charset and length). */
export const IsCustomerId = (): PropertyDecorator =>
  composite(
    MaxLength(TOUCHPOINT_LIMITS.idMaxLength, {
      message: `must be at most ${TOUCHPOINT_LIMITS.idMaxLength} characters`,
    }),
    Matches(TOUCHPOINT_LIMITS.idPattern, {
      message: 'must be 1 or more of the characters A-Z a-z 0-9 . _ : -',
    }),
  );

export const IsPosition = (): PropertyDecorator =>
  composite(
    toInteger(),
    IsInt({ message: 'must be a positive integer' }),
    Min(1, { message: 'must be a positive integer' }),
    Max(Number.MAX_SAFE_INTEGER, { message: 'is too large' }),
  );

export const IsWaitMs = (): PropertyDecorator =>
  composite(
    toInteger(),
    IsInt({ message: `must be an integer from 0 to ${MAX_WAIT_MS}` }),
    Min(0, { message: `must be an integer from 0 to ${MAX_WAIT_MS}` }),
    Max(MAX_WAIT_MS, { message: `must be an integer from 0 to ${MAX_WAIT_MS}` }),
  );

export const IsPageLimit = (): PropertyDecorator => {
  const message = `must be an integer from ${PAGE_LIMIT.min} to ${PAGE_LIMIT.max}`;
  return composite(
    toInteger(),
    IsInt({ message }),
    Min(PAGE_LIMIT.min, { message }),
    Max(PAGE_LIMIT.max, { message }),
  );
};

export const IsPageCursor = (kind: CursorKind): PropertyDecorator =>
  ValidateBy({
    name: 'isPageCursor',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && decodeCursor(kind, value) !== null,
      defaultMessage: () => 'must be a nextCursor returned by this listing',
    },
  });

/** `limit` of a listing: optional, documented, 1–200 (50 when absent). */
export const PageLimitParam = (): PropertyDecorator =>
  composite(
    ApiPropertyOptional({
      minimum: PAGE_LIMIT.min,
      maximum: PAGE_LIMIT.max,
      default: PAGE_LIMIT.default,
    }),
    IsOptional(),
    IsPageLimit(),
  );

/** `cursor` of a listing: the nextCursor of its previous page, documented. */
export const PageCursorParam = (kind: CursorKind): PropertyDecorator =>
  composite(
    ApiPropertyOptional({ description: 'The nextCursor of the previous page.' }),
    IsOptional(),
    IsPageCursor(kind),
  );

function issuesOf(
  errors: readonly ValidationError[],
  parent = '',
): { path: string; message: string }[] {
  return errors.flatMap((error) => {
    const path = parent === '' ? error.property : `${parent}.${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      path,
      // class-validator's own messages start with the property name; the path already says it.
      message: message.startsWith(`property ${error.property} `)
        ? 'unknown parameter'
        : message.replace(new RegExp(`^${error.property} `), ''),
    }));
    return [...own, ...issuesOf(error.children ?? [], path)];
  });
}

/**
 * Path and query parameters are validated like bodies: unknown parameters are refused, and every
 * problem is reported with its parameter name as the path.
 */
export function createQueryValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      queryError(QueryErrorCode.InvalidRequest, 'invalid request parameters', issuesOf(errors)),
  });
}

const requestValidation = createQueryValidationPipe();

/**
 * Validates a request that did not come through HTTP (a gRPC message) with the same DTO class and
 * the same pipe as the REST route, so both refuse a bad parameter with the same issues.
 */
export async function validateRequest<T extends object>(
  dto: new () => T,
  parameters: Readonly<Record<string, unknown>>,
): Promise<T> {
  return (await requestValidation.transform(parameters, { type: 'query', metatype: dto })) as T;
}
