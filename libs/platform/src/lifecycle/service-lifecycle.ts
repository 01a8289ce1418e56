import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';

/** Something a service runs in the background: started once the app is up, stopped on shutdown. */
export interface LifecycleStep {
  /** Names the step in the logs. */
  readonly name: string;
  readonly start?: () => Promise<unknown> | void;
  readonly stop?: () => Promise<unknown> | void;
}

export interface ServiceLifecycleParts {
  /**
   * Started in this order; stopped in the reverse order, so that what consumes (a Kafka consumer)
   * stops before what it feeds (a relay), and each finishes its batch in flight.
   */
  readonly steps?: readonly LifecycleStep[];
  /** The health-probe admin session; closed once every step has stopped. */
  readonly kafkaAdmin?: { close(): Promise<void> };
  /** The pg pool; ended last, because the steps use it until they have stopped. */
  readonly pool: { end(): Promise<void> };
}

/**
 * The start and stop order every service shares. A service's lifecycle provider extends this with
 * its own steps; Nest calls the hooks (shutdown hooks need `app.enableShutdownHooks()`).
 */
export abstract class ServiceLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger: Logger;
  private readonly startOrder: readonly LifecycleStep[];
  private readonly stopOrder: readonly LifecycleStep[];

  protected constructor({ steps = [], kafkaAdmin, pool }: ServiceLifecycleParts) {
    this.logger = new Logger(new.target.name);
    this.startOrder = steps;
    this.stopOrder = [
      ...[...steps].reverse(),
      ...(kafkaAdmin ? [{ name: 'Kafka admin session', stop: () => kafkaAdmin.close() }] : []),
      { name: 'pg pool', stop: () => pool.end() },
    ];
  }

  async onApplicationBootstrap(): Promise<void> {
    const started: string[] = [];
    for (const step of this.startOrder) {
      if (step.start === undefined) continue;
      await step.start();
      started.push(step.name);
    }
    if (started.length > 0) this.logger.log(`started: ${started.join(', ')}`);
  }

  /**
   * Stops every step even when one fails, so that a relay that cannot stop cleanly does not keep
   * the pool open; the first failure is rethrown once all are done.
   */
  async onApplicationShutdown(): Promise<void> {
    const failures: unknown[] = [];
    for (const step of this.stopOrder) {
      if (step.stop === undefined) continue;
      try {
        await step.stop();
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        this.logger.error(`could not stop ${step.name}: ${reason}`);
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  }
}
