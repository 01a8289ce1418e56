import type { Projection } from '@cx/read-models';
import { customerProfileProjection } from './customer-profile/customer-profile.projection';

/**
 * Every projection the projector keeps and `cx projections rebuild` rebuilds. Adding a read model
 * is adding a folder beside `customer-profile/` (its projection, its tables' migration) and one
 * line here.
 */
export const PROJECTIONS: readonly Projection[] = [customerProfileProjection];
