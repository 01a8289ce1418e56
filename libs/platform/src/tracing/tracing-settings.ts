import { ConfigValidationError } from '../config/validate-config';

/** What `startTracing` does, from the standard OpenTelemetry environment variables. */
export interface TracingSettings {
  /** `none`: no SDK is registered and the API stays a no-op (the default). */
  readonly exporter: 'otlp' | 'none';
  /** `service.name` of every span: `OTEL_SERVICE_NAME`, else the service's own name. */
  readonly serviceName: string;
}

const EXPORTERS = ['otlp', 'none'] as const;

/**
 * Reads `OTEL_SDK_DISABLED`, `OTEL_TRACES_EXPORTER` (a list, as the specification allows: `otlp`,
 * `none`) and `OTEL_SERVICE_NAME`. The endpoint, headers, sampler and batching variables are read
 * by the SDK itself. An exporter this build does not have refuses the boot rather than tracing
 * nowhere without a word.
 */
export function tracingSettings(
  env: Readonly<Record<string, string | undefined>>,
  defaultServiceName: string,
): TracingSettings {
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || defaultServiceName;
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') {
    return { exporter: 'none', serviceName };
  }
  const listed = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name.length > 0);
  const unknown = listed.filter((name) => !(EXPORTERS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new ConfigValidationError([
      `OTEL_TRACES_EXPORTER: ${unknown.join(', ')} not supported (use otlp or none)`,
    ]);
  }
  return { exporter: listed.includes('otlp') ? 'otlp' : 'none', serviceName };
}
