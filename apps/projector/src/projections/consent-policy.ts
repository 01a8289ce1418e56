import type { ConsentPolicy } from '@cx/domain';
import { TOUCHPOINT_LIMITS } from '@cx/contracts';

/** `CX_OPT_IN_PURPOSES`: comma-separated purposes a customer must have granted to be counted. */
export function consentPolicyOf(optInPurposes: string | undefined): ConsentPolicy {
  const purposes = (optInPurposes ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  for (const purpose of purposes) {
    if (!TOUCHPOINT_LIMITS.purposePattern.test(purpose)) {
      throw new RangeError(
        `CX_OPT_IN_PURPOSES: '${purpose}' is not a purpose (${String(TOUCHPOINT_LIMITS.purposePattern)})`,
      );
    }
  }
  return { optInPurposes: new Set(purposes) };
}
