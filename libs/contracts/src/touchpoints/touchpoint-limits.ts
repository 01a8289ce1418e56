/** Size limits of a touchpoint, shared by the DTOs, the OpenAPI text and the tests. */
export const TOUCHPOINT_LIMITS = {
  /** Identifiers: touchpointId, customerId, complaintId, commitmentId. */
  idMaxLength: 128,
  idPattern: /^[A-Za-z0-9._:-]+$/,
  nameMaxLength: 128,
  sourceMaxLength: 128,
  textMaxLength: 4000,
  attributesMaxKeys: 50,
  attributeKeyPattern: /^[A-Za-z0-9_.:-]{1,64}$/,
  attributeStringMaxLength: 1000,
  /** Consent purposes a touchpoint serves (`analytics`, `marketing.email`, …). */
  purposesMaxItems: 10,
  purposePattern: /^[a-z][a-z0-9_.-]{0,63}$/,
  /** Far above any real purchase, low enough to stay an exact double. */
  amountMax: 1e12,
  batchMaxItems: 1000,
  /** How far ahead of the ingesting clock `occurredAt` may lie (the journey definition's default). */
  maxFutureSeconds: 300,
} as const;
