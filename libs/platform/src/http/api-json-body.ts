import { applyDecorators, type Type } from '@nestjs/common';
import { ApiBody, ApiExtraModels, getSchemaPath } from '@nestjs/swagger';

/**
 * A JSON request body of schema `type` with a whole-body example. Swagger UI's "Try it out"
 * starts from the first example, so it should be one the route accepts; without one the UI
 * assembles a body from every property's example, which no route with cross-field rules accepts.
 */
export function ApiJsonBody(
  type: Type<unknown>,
  example: { readonly summary: string; readonly value: unknown },
  /** False for a body whose every field is optional: the route reads no body as `{}`. */
  required = true,
): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(type),
    ApiBody({
      required,
      schema: { $ref: getSchemaPath(type) },
      examples: { default: { summary: example.summary, value: example.value } },
    }),
  );
}
