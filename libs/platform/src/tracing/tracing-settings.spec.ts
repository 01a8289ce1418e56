import { ConfigValidationError } from '../config/validate-config';
import { tracingSettings } from './tracing-settings';

describe('tracingSettings', () => {
  it('is off by default, named after the service', () => {
    expect(tracingSettings({}, 'cx-ingestion')).toEqual({
      exporter: 'none',
      serviceName: 'cx-ingestion',
    });
  });

  it('exports with OTLP when asked, under OTEL_SERVICE_NAME when set', () => {
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp' }, 'cx-query').exporter).toBe('otlp');
    expect(
      tracingSettings({ OTEL_TRACES_EXPORTER: ' OTLP ', OTEL_SERVICE_NAME: 'edge' }, 'cx-query'),
    ).toEqual({ exporter: 'otlp', serviceName: 'edge' });
  });

  it('reads the exporter list of the specification', () => {
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'none' }, 's').exporter).toBe('none');
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp,none' }, 's').exporter).toBe('otlp');
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: '' }, 's').exporter).toBe('none');
  });

  it('stays off when the SDK is disabled, whatever the exporter', () => {
    expect(
      tracingSettings({ OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }, 's').exporter,
    ).toBe('none');
  });

  it('refuses to boot with an exporter it does not have', () => {
    expect(() => tracingSettings({ OTEL_TRACES_EXPORTER: 'jaeger' }, 's')).toThrow(
      ConfigValidationError,
    );
    expect(() => tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp,zipkin' }, 's')).toThrow(/zipkin/);
  });
});
