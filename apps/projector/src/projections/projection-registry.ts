import type { ConsentPolicy } from '@cx/domain';
import type { Projection } from '@cx/read-models';
import { customerProfileProjection } from './customer-profile/customer-profile.projection';
import { experienceAnalyticsProjection } from './experience-analytics/experience-analytics.projection';

/**
 * Every projection the projector keeps and `cx projections rebuild` rebuilds. Adding a read model
 * is adding a folder beside `customer-profile/` (its projection, its tables' migration) and one
 * line here. The consent policy decides which touchpoints the analytics count.
 */
export function projections(policy: ConsentPolicy): readonly Projection[] {
  return [customerProfileProjection, experienceAnalyticsProjection(policy)];
}
