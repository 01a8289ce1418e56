import { ValidateBy, type ValidationOptions } from 'class-validator';
import { parseIsoInstant } from './iso-instant';
import { TOUCHPOINT_LIMITS as L } from './touchpoint-limits';

/*
 * Composite decorators: one rule, one clear message per field. Each field carries a single custom
 * constraint instead of a stack of built-ins, which keeps the messages readable and the validation
 * fast enough for the CLI's million-line files.
 */

function rule(
  name: string,
  validate: (value: unknown) => boolean,
  message: string,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy({ name, validator: { validate, defaultMessage: () => message } }, options);
}

export function IsIdentifier(): PropertyDecorator {
  return rule(
    'isIdentifier',
    (v) =>
      typeof v === 'string' && v.length >= 1 && v.length <= L.idMaxLength && L.idPattern.test(v),
    `must be a string of 1 to ${L.idMaxLength} characters from A-Z a-z 0-9 . _ : -`,
  );
}

export function IsIsoInstant(): PropertyDecorator {
  return rule(
    'isIsoInstant',
    (v) => typeof v === 'string' && parseIsoInstant(v) !== null,
    'must be an ISO-8601 instant with seconds and an offset, e.g. 2025-01-03T10:00:00Z',
  );
}

export function IsOneOf(values: readonly string[]): PropertyDecorator {
  const allowed = new Set<unknown>(values);
  return rule('isOneOf', (v) => allowed.has(v), `must be one of: ${values.join(', ')}`);
}

export function IsIntInRange(min: number, max: number): PropertyDecorator {
  return rule(
    'isIntInRange',
    (v) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max,
    `must be an integer from ${min} to ${max}`,
  );
}

export function IsNumberInRange(min: number, max: number): PropertyDecorator {
  return rule(
    'isNumberInRange',
    (v) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max,
    `must be a number from ${min} to ${max}`,
  );
}

export function IsBoundedText(maxLength: number): PropertyDecorator {
  return rule(
    'isBoundedText',
    (v) => typeof v === 'string' && v.length >= 1 && v.length <= maxLength,
    `must be a non-empty string of at most ${maxLength} characters`,
  );
}

export function IsBool(): PropertyDecorator {
  return rule('isBool', (v) => typeof v === 'boolean', 'must be true or false');
}

export function IsPattern(pattern: RegExp, message: string): PropertyDecorator {
  return rule('isPattern', (v) => typeof v === 'string' && pattern.test(v), message);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Guards a nested DTO: class-validator would otherwise walk an array element by element. */
export function IsPlainObject(): PropertyDecorator {
  return rule('isPlainObject', isPlainObject, 'must be a JSON object');
}

function isAttributeValue(v: unknown): boolean {
  if (typeof v === 'string') return v.length <= L.attributeStringMaxLength;
  if (typeof v === 'number') return Number.isFinite(v);
  return typeof v === 'boolean' || v === null;
}

export function IsAttributeMap(): PropertyDecorator {
  return rule(
    'isAttributeMap',
    (v) => {
      if (!isPlainObject(v)) return false;
      const keys = Object.keys(v);
      if (keys.length > L.attributesMaxKeys) return false;
      return keys.every((k) => L.attributeKeyPattern.test(k) && isAttributeValue(v[k]));
    },
    `must be an object of at most ${L.attributesMaxKeys} keys (1 to 64 characters from A-Z a-z 0-9 _ . : -) ` +
      `with string (at most ${L.attributeStringMaxLength} characters), finite number, boolean or null values`,
  );
}

/** The purposes a touchpoint serves: distinct purpose names, at least one when the field is sent. */
export function IsPurposeList(): PropertyDecorator {
  return rule(
    'isPurposeList',
    (v) =>
      Array.isArray(v) &&
      v.length >= 1 &&
      v.length <= L.purposesMaxItems &&
      new Set(v).size === v.length &&
      v.every((p) => typeof p === 'string' && L.purposePattern.test(p)),
    `must be 1 to ${L.purposesMaxItems} distinct purposes, each 1 to 64 characters from a-z 0-9 _ . - starting with a letter`,
  );
}
