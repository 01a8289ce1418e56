import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { RequireScope } from '../auth/access.decorators';

/** What Prometheus scrapes: the text exposition format, version 0.0.4. */
export const PROMETHEUS_TEXT = 'text/plain; version=0.0.4';

interface HeaderSettable {
  setHeader(name: string, value: string): unknown;
}

@ApiTags('metrics')
@Controller()
export class MetricsHttpController {
  constructor(private readonly registry: Registry) {}

  @Get('metrics')
  @RequireScope('metrics:read')
  @ApiOperation({
    operationId: 'getMetrics',
    summary: 'Metrics in the Prometheus text format',
    description:
      'HTTP requests and latency by route template and status, the Node runtime, pg pool usage and ' +
      "the service's own pipeline figures (appends, relay, consumer lag). Scrape it with a bearer " +
      'credential holding `metrics:read`.',
  })
  @ApiProduces(PROMETHEUS_TEXT)
  @ApiOkResponse({
    description: 'Every metric of this service instance, in the Prometheus text exposition format.',
    content: {
      [PROMETHEUS_TEXT]: {
        schema: { type: 'string' },
        example:
          '# HELP http_requests_total HTTP requests answered, by method, route template and status code.\n' +
          '# TYPE http_requests_total counter\n' +
          'http_requests_total{method="GET",route="/health/ready",status="200",service="query"} 3\n',
      },
    },
  })
  async metrics(@Res({ passthrough: true }) res: HeaderSettable): Promise<string> {
    const text = await this.registry.metrics();
    res.setHeader('content-type', this.registry.contentType);
    return text;
  }
}
