import { Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/access.decorators';
import {
  LIVE,
  LivenessRoute,
  ReadinessRoute,
  type LiveBody,
  type ReadinessRouteDoc,
} from './health-routes';
import type { ProbeResult } from './probe';
import {
  allUp,
  readinessAnswer,
  runProbes,
  type ReadinessBody,
  type StatusSettable,
} from './readiness';

/** A service's dependency checks by name; each throws (or times out) when the dependency is down. */
export type NamedProbes<Name extends string> = Readonly<Record<Name, () => Promise<unknown>>>;

export type ProbeResults<Name extends string> = Readonly<Record<Name, ProbeResult>>;

/** What a service reports besides its probes. */
export interface ReadinessExtras<
  Fields extends object = object,
  MoreChecks extends object = object,
> {
  /** Listed after `checks`, such as how far a relay is behind. */
  readonly fields?: Fields;
  /** Checks of the service's own state rather than of a dependency; listed after the probes. */
  readonly checks?: MoreChecks;
  /** False when one of those checks fails. Ready means every probe is up and this is not false. */
  readonly ready?: boolean;
}

/**
 * What every service answers on `/health/live` and `/health/ready`. A service names its probes and,
 * when it reports more than their results, adds extras computed from them (a figure that needs
 * Postgres is only asked for when the Postgres probe is up). Routes come from `HealthController`.
 */
export abstract class ServiceHealth<Probe extends string> {
  protected abstract probes(): NamedProbes<Probe>;

  protected extras(_probes: ProbeResults<Probe>): Promise<ReadinessExtras> {
    return Promise.resolve({});
  }

  live(): LiveBody {
    return LIVE;
  }

  /** 200 when ready, else 503; the body is the same either way. */
  async ready(res: StatusSettable): Promise<ReadinessBody<ProbeResults<Probe>, object>> {
    const probes = await runProbes(this.probes());
    const extras = await this.extras(probes);
    const ready = allUp(probes) && extras.ready !== false;
    return readinessAnswer(res, ready, { ...probes, ...extras.checks }, extras.fields);
  }
}

/**
 * The base of a service's health controller: `GET /health/live` and `GET /health/ready`, tagged
 * `health` in OpenAPI, with the readiness route described by `readiness`. The subclass carries
 * `@Controller()` and implements `probes()` (and `extras()` when it reports more).
 */
export function HealthController<Probe extends string>(
  readiness: ReadinessRouteDoc,
): abstract new () => ServiceHealth<Probe> {
  // A class per call: the route decorators store their metadata on the methods themselves.
  @ApiTags('health')
  abstract class HealthRoutes extends ServiceHealth<Probe> {
    // Probes reach health without a credential; nothing here is data.
    @Public()
    @LivenessRoute('health/live')
    override live(): LiveBody {
      return super.live();
    }

    @Public()
    @ReadinessRoute('health/ready', readiness)
    override ready(
      @Res({ passthrough: true }) res: StatusSettable,
    ): Promise<ReadinessBody<ProbeResults<Probe>, object>> {
      return super.ready(res);
    }
  }
  return HealthRoutes;
}
