import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { shutdownTracing } from './start-tracing';

/**
 * Flushes the spans still buffered when the service stops (SIGTERM, SIGINT): the last Nest hook,
 * so the spans of the shutdown itself (the relay's last batch, the projector's last transaction)
 * are exported too.
 */
@Injectable()
export class TracingShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return shutdownTracing();
  }
}
