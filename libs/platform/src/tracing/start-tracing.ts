import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { tracingSettings, type TracingSettings } from './tracing-settings';

/** The provider `startTracing` registered, flushed and shut down by `shutdownTracing`. */
let registered: NodeTracerProvider | null = null;

/**
 * Registers the OpenTelemetry SDK for this process when `OTEL_TRACES_EXPORTER=otlp`: spans are
 * batched and posted to the OTLP/HTTP endpoint (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or
 * `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`, default http://localhost:4318). Otherwise it
 * registers nothing, so the API stays its no-op and every traced path skips its spans. Call it
 * first in `main`, before the Nest application is created.
 */
export function startTracing(
  defaultServiceName: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): TracingSettings {
  const settings = tracingSettings(env, defaultServiceName);
  if (settings.exporter === 'none' || registered !== null) return settings;
  const provider = new NodeTracerProvider({
    resource: defaultResource().merge(
      resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }),
    ),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // Also the AsyncLocalStorage context manager and the W3C propagator, for any instrumentation.
  provider.register();
  registered = provider;
  return settings;
}

/** Exports the spans still buffered and unregisters the SDK; a no-op when tracing is off. */
export async function shutdownTracing(): Promise<void> {
  const provider = registered;
  if (provider === null) return;
  registered = null;
  try {
    await provider.shutdown();
  } finally {
    trace.disable();
  }
}
