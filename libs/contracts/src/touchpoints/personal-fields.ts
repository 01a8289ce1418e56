/** Touchpoint fields that hold personal data: sealed per customer, never stored or published in clear. */
export const PERSONAL_FIELDS = ['text', 'attributes'] as const;
export type PersonalField = (typeof PERSONAL_FIELDS)[number];
