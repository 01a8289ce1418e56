import type { ErrorExample } from '@cx/platform';

/**
 * The request bodies the OpenAPI document offers first: Swagger UI's "Try it out" sends them
 * unchanged, so each is one the API accepts (sent again, a duplicate, also accepted).
 */
export const TOUCHPOINT_EXAMPLE = {
  touchpointId: 'tp-2025-000001',
  customerId: 'cust-42',
  occurredAt: '2025-01-03T10:00:00Z',
  channel: 'chat',
  direction: 'inbound',
  interaction: 'survey_response',
  touchpointName: 'post-chat-survey',
  survey: { nps: 9 },
  text: 'Quick and friendly, thanks!',
  attributes: { agent: 'a-7', queue: 'billing' },
} as const;

export const TOUCHPOINT_BATCH_EXAMPLE = {
  touchpoints: [
    TOUCHPOINT_EXAMPLE,
    {
      touchpointId: 'tp-2025-000002',
      customerId: 'cust-42',
      occurredAt: '2025-01-04T09:30:00Z',
      channel: 'web',
      interaction: 'purchase',
      value: { amount: 49.9, currency: 'EUR' },
    },
  ],
} as const;

export const CONSENT_EXAMPLE = {
  consentId: 'crm-consent-88121',
  purpose: 'analytics',
  status: 'granted',
  effectiveAt: '2025-01-01T00:00:00Z',
  source: 'crm',
} as const;

/** The error answers of the ingestion routes, one example each. */
export const INGESTION_ERRORS = {
  invalidTouchpoint: {
    error: 'invalid_touchpoint',
    path: 'survey.nps',
    message: 'must be an integer from 0 to 10',
  },
  invalidBatch: {
    error: 'invalid_batch',
    path: 'touchpoints[3].survey.nps',
    message: 'must be an integer from 0 to 10',
  },
  invalidConsent: {
    error: 'invalid_consent',
    path: 'status',
    message: 'status must be one of the following values: granted, withdrawn',
  },
  touchpointConflict: {
    error: 'conflict',
    path: 'touchpointId',
    message:
      'tp-2025-000001 is already stored with a different payload (position 1042); it was not applied',
  },
  consentConflict: {
    error: 'conflict',
    path: 'consentId',
    message: 'crm-consent-88121 is stored with a different change; it was not applied',
  },
  customerErased: {
    error: 'customer_erased',
    path: 'customerId',
    message:
      'cust-42 was erased; an admin must readmit the id before it takes touchpoints again. Nothing was stored',
  },
  batchCustomerErased: {
    error: 'customer_erased',
    path: 'touchpoints[0].customerId',
    message:
      'cust-42 was erased; an admin must readmit the id before it takes touchpoints again. Nothing was stored',
  },
  storeUnavailable: {
    error: 'store_unavailable',
    message: 'the event store is unreachable; nothing was stored, retry later',
  },
} as const satisfies Record<string, ErrorExample>;
