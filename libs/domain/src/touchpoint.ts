/**
 * The touchpoint as the model receives it: already validated by ingestion (§1 of the model).
 * Times are ISO-8601 strings in UTC with a `Z` offset, as ingestion normalises them.
 */

export const CATEGORIES = ['static', 'human', 'interactive'] as const;
export type Category = (typeof CATEGORIES)[number];

export const CHANNELS_BY_CATEGORY = {
  static: ['advertising', 'promotion', 'direct_mail', 'press_release', 'product'],
  human: ['contact_center', 'sales', 'collections', 'support', 'service'],
  interactive: ['web', 'email', 'chat', 'blog', 'social_media'],
} as const satisfies Record<Category, readonly string[]>;

export type Channel = (typeof CHANNELS_BY_CATEGORY)[Category][number];

export const CHANNELS: readonly Channel[] = CATEGORIES.flatMap((c) => CHANNELS_BY_CATEGORY[c]);

const CATEGORY_OF_CHANNEL: ReadonlyMap<Channel, Category> = new Map(
  CATEGORIES.flatMap((category) =>
    CHANNELS_BY_CATEGORY[category].map((channel): [Channel, Category] => [channel, category]),
  ),
);

export function categoryOf(channel: Channel): Category {
  const category = CATEGORY_OF_CHANNEL.get(channel);
  if (category === undefined) throw new RangeError(`unknown channel ${String(channel)}`);
  return category;
}

/** The 3 Ps that influence the customer (slide 13). */
export const PILLARS = ['product', 'people', 'process'] as const;
export type Pillar = (typeof PILLARS)[number];

export const DIRECTIONS = ['inbound', 'outbound'] as const;
/** Who started the contact: the customer (`inbound`) or the company (`outbound`). */
export type Direction = (typeof DIRECTIONS)[number];

/** Emotion levels from the lowest to the highest (slide 11). */
export const EMOTION_LEVELS = [
  'rejection',
  'decline',
  'indifference',
  'enjoyment',
  'ecstasy',
] as const;
export type EmotionLevel = (typeof EMOTION_LEVELS)[number];

export const COMPLAINT_REASONS = [
  'product_defect',
  'service_failure',
  'billing',
  'delay',
  'misleading',
  'other',
] as const;
export type ComplaintReason = (typeof COMPLAINT_REASONS)[number];

export const INTERACTIONS = [
  'exposure',
  'inquiry',
  'evaluation',
  'purchase',
  'repurchase',
  'referral',
  'survey_response',
  'feedback',
  'complaint_opened',
  'complaint_resolved',
  'commitment_made',
  'commitment_kept',
  'commitment_broken',
  'cancellation',
] as const;
export type Interaction = (typeof INTERACTIONS)[number];

export interface Survey {
  /** Net promoter answer, integer 0–10. */
  readonly nps?: number;
  /** Satisfaction, integer 1–5. */
  readonly csat?: number;
  /** Effort, integer 1 (very hard) … 7 (very easy). */
  readonly ces?: number;
}

export interface Money {
  /** Decimal amount in the currency's major unit. */
  readonly amount: number;
  /** ISO-4217 code, upper case. */
  readonly currency: string;
}

export type AttributeValue = string | number | boolean | null;

/** Fields every touchpoint may carry, whatever happened at it. */
export interface TouchpointBase {
  readonly touchpointId: string;
  readonly customerId: string;
  /** ISO-8601 instant, e.g. `2025-01-03T10:00:00.000Z`. */
  readonly occurredAt: string;
  readonly channel: Channel;
  /** Always the category of `channel` once ingested. */
  readonly category: Category;
  readonly direction?: Direction;
  readonly touchpointName?: string;
  readonly momentOfTruth?: boolean;
  readonly pillar?: Pillar;
  readonly survey?: Survey;
  /** −1 (very negative) … 1 (very positive). */
  readonly sentiment?: number;
  /** The level the customer reported feeling. */
  readonly emotion?: EmotionLevel;
  /** Free text: personal data. */
  readonly text?: string;
  /** How well the company thinks it served the customer, 1–5 (perception gap, §6). */
  readonly companyAssessment?: number;
  /** The system that reported the touchpoint. */
  readonly source?: string;
  /** Free attributes: personal data. */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
  /** Consent purposes it serves, sorted; analytics respect the customer's consent to them. */
  readonly purposes?: readonly string[];
}

interface PlainInteraction {
  readonly interaction:
    | 'exposure'
    | 'inquiry'
    | 'evaluation'
    | 'referral'
    | 'survey_response'
    | 'feedback'
    | 'cancellation';
}

interface PurchaseInteraction {
  readonly interaction: 'purchase' | 'repurchase';
  readonly value?: Money;
}

interface ComplaintOpened {
  readonly interaction: 'complaint_opened';
  readonly complaintId: string;
  readonly reason: ComplaintReason;
}

interface ComplaintResolved {
  readonly interaction: 'complaint_resolved';
  readonly complaintId: string;
}

interface CommitmentMade {
  readonly interaction: 'commitment_made';
  readonly commitmentId: string;
  /** ISO-8601 instant the promise is due; shown, never used by the model. */
  readonly dueAt: string;
}

interface CommitmentSettled {
  readonly interaction: 'commitment_kept' | 'commitment_broken';
  readonly commitmentId: string;
}

export type Touchpoint = TouchpointBase &
  (
    | PlainInteraction
    | PurchaseInteraction
    | ComplaintOpened
    | ComplaintResolved
    | CommitmentMade
    | CommitmentSettled
  );

export function isPurchase(t: Touchpoint): boolean {
  return t.interaction === 'purchase' || t.interaction === 'repurchase';
}
