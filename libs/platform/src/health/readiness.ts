import { HttpStatus } from '@nestjs/common';
import { probe, type ProbeResult } from './probe';

/** How long one readiness probe may take before it counts as down. */
export const PROBE_TIMEOUT_MS = 2000;

/** The part of the Express response a passthrough handler needs to set the status. */
export interface StatusSettable {
  status(code: number): unknown;
}

export type ReadinessStatus = 'ready' | 'not_ready';

/** The readiness body every service answers: a verdict, the checks, then service-specific extras. */
export type ReadinessBody<Checks, Extra> = {
  readonly status: ReadinessStatus;
  readonly checks: Checks;
} & Extra;

/** Runs the named checks in parallel, each under its own deadline; never throws. */
export async function runProbes<Name extends string>(
  checks: Readonly<Record<Name, () => Promise<unknown>>>,
  timeoutMs: number = PROBE_TIMEOUT_MS,
): Promise<Record<Name, ProbeResult>> {
  const names = Object.keys(checks) as Name[];
  const results = await Promise.all(names.map((name) => probe(checks[name], timeoutMs)));
  return Object.fromEntries(names.map((name, i) => [name, results[i]])) as Record<
    Name,
    ProbeResult
  >;
}

/** Every probe answered. */
export function allUp(results: Readonly<Record<string, ProbeResult>>): boolean {
  return Object.values(results).every((result) => result.status === 'up');
}

/** Sets 200 or 503 on the response and builds the body (`status` and `checks` first). */
export function readinessAnswer<Checks, Extra extends object = Record<never, never>>(
  res: StatusSettable,
  ready: boolean,
  checks: Checks,
  extra?: Extra,
): ReadinessBody<Checks, Extra> {
  res.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
  return { status: ready ? 'ready' : 'not_ready', checks, ...extra } as ReadinessBody<
    Checks,
    Extra
  >;
}
