import type { Consistency, ProjectionWaiter } from '../infrastructure/projection-waiter';
import { readFromStore } from '../infrastructure/store-availability';
import { customerNotFound } from '../query.exception';

/** What every per-customer query carries. */
export interface CustomerRead {
  readonly customerId: string;
  readonly consistency: Consistency;
}

/**
 * The common path of the per-customer queries: waits for `minPosition` (503 when the projection
 * stays behind), loads the read model (503 when the store is unreachable), 404 when there is none.
 */
export async function readCustomer<T>(
  waiter: ProjectionWaiter,
  { customerId, consistency }: CustomerRead,
  load: (customerId: string) => Promise<T | null>,
): Promise<T> {
  await waiter.awaitApplied({ customerId }, consistency);
  const found = await readFromStore(() => load(customerId));
  if (found === null) throw customerNotFound(customerId);
  return found;
}
