import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigValidationError';
  }
}

/**
 * Reads an app's configuration class from the environment and refuses to boot on a bad value.
 * Class field initialisers are the defaults that run locally; other variables are ignored.
 */
export function validateConfig<T extends object>(
  cls: new () => T,
  env: Readonly<Record<string, string | undefined>>,
): T {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const config = plainToInstance(cls, present, {
    enableImplicitConversion: true,
    exposeDefaultValues: true,
  });
  const errors = validateSync(config, { whitelist: false, forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new ConfigValidationError(
      errors.map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`),
    );
  }
  return config;
}
