import { Controller, Inject } from '@nestjs/common';
import type { Pool } from 'pg';
import { HealthController, type NamedProbes } from '@cx/platform';
import { PG_POOL } from '../infrastructure/query.tokens';

type Probe = 'postgres';

/** The query service depends on Postgres only: the read models and the event store live there. */
@Controller()
export class HealthHttpController extends HealthController<Probe>({
  summary: 'Readiness: Postgres answers a query on the read model',
  unavailable: 'Postgres does not answer or the read model is missing; same body.',
}) {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {
    super();
  }

  protected probes(): NamedProbes<Probe> {
    return { postgres: () => this.pool.query('SELECT 1 FROM customer_profiles LIMIT 1') };
  }
}
