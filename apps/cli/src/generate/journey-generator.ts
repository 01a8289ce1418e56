import {
  CHANNELS_BY_CATEGORY,
  COMPLAINT_REASONS,
  EMOTION_LEVELS,
  PILLARS,
  categoryOf,
  type Channel,
  type Interaction,
  type Touchpoint,
} from '@cx/domain';
import { SeededRandom } from './seeded-random';

export interface GenerateOptions {
  readonly customers: number;
  readonly touchpoints: number;
  readonly seed: number;
  /** Earliest journey start; journeys spread over the following year. */
  readonly startAt?: Date;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

const TOUCHPOINT_NAMES: Partial<Record<Interaction, readonly string[]>> = {
  exposure: ['spring-campaign', 'tv-spot', 'newsletter', 'press-launch'],
  inquiry: ['pricing-page', 'faq', 'info-call'],
  evaluation: ['demo', 'trial', 'quote', 'cart'],
  purchase: ['checkout', 'contract-signature'],
  repurchase: ['renewal', 'checkout'],
  survey_response: ['post-purchase-survey', 'quarterly-nps', 'post-chat-survey'],
  complaint_opened: ['invoice-dispute', 'delivery-issue', 'support-ticket'],
  complaint_resolved: ['invoice-dispute', 'delivery-issue', 'support-ticket'],
  commitment_made: ['delivery-promise', 'call-back'],
};

interface OpenPromise {
  readonly id: string;
  readonly openedAt: number;
}

/**
 * Produces plausible journeys: a pre-purchase path, a purchase for most customers, then surveys,
 * feedback, complaints, promises, repurchases, referrals and the odd cancellation. It also plants
 * the cases the model must get right: equal timestamps, resolutions dated before their opening,
 * settlements with no opening, repeated openings and misleading-claim complaints.
 */
export class JourneyGenerator {
  private readonly random: SeededRandom;
  private readonly startMs: number;

  constructor(private readonly options: GenerateOptions) {
    this.random = new SeededRandom(options.seed);
    this.startMs = (options.startAt ?? new Date('2025-01-01T00:00:00Z')).getTime();
  }

  /** Touchpoints customer by customer, each customer's in time order. */
  *touchpoints(): Generator<Touchpoint> {
    const { customers, touchpoints } = this.options;
    const width = String(Math.max(customers - 1, 0)).length;
    let remaining = touchpoints;
    for (let i = 0; i < customers; i++) {
      const customersLeft = customers - i;
      const mean = remaining / customersLeft;
      const count =
        customersLeft === 1
          ? remaining
          : Math.min(
              remaining - (customersLeft - 1),
              Math.max(1, Math.round(mean * (0.5 + this.random.next()))),
            );
      remaining -= count;
      yield* this.journey(`c-${String(i).padStart(width, '0')}`, count);
    }
  }

  private *journey(customerId: string, count: number): Generator<Touchpoint> {
    const r = this.random;
    const mood = r.next() * 2 - 1;
    let at = this.startMs + r.int(0, 300) * DAY_MS + r.int(0, 23) * HOUR_MS;
    let purchased = false;
    let stage = 0;
    const complaints: OpenPromise[] = [];
    const commitments: OpenPromise[] = [];
    for (let n = 0; n < count; n++) {
      // Some touchpoints share a timestamp with the previous one, to exercise the tie rules.
      if (!r.chance(0.05)) at += r.int(1, 20 * 24) * HOUR_MS;
      const touchpointId = `${customerId}-t${String(n).padStart(4, '0')}`;
      const interaction = this.nextInteraction(stage, purchased, complaints, commitments);
      if (interaction === 'purchase') purchased = true;
      stage = Math.min(stage + 1, 3);
      yield this.touchpoint(
        customerId,
        touchpointId,
        at,
        interaction,
        mood,
        complaints,
        commitments,
      );
    }
  }

  private nextInteraction(
    stage: number,
    purchased: boolean,
    complaints: OpenPromise[],
    commitments: OpenPromise[],
  ): Interaction {
    const r = this.random;
    if (!purchased) {
      if (stage === 0) return 'exposure';
      const roll = r.next();
      if (roll < 0.25) return r.pick(['exposure', 'inquiry'] as const);
      if (roll < 0.45) return 'evaluation';
      if (roll < 0.8) return 'purchase';
      if (roll < 0.9) return 'survey_response';
      return 'feedback';
    }
    const roll = r.next();
    if (complaints.length > 0 && roll < 0.25) return 'complaint_resolved';
    if (commitments.length > 0 && roll < 0.4)
      return r.chance(0.8) ? 'commitment_kept' : 'commitment_broken';
    if (roll < 0.55) return 'survey_response';
    if (roll < 0.63) return 'feedback';
    if (roll < 0.7) return 'complaint_opened';
    if (roll < 0.76) return 'commitment_made';
    if (roll < 0.86) return 'repurchase';
    if (roll < 0.9) return 'referral';
    if (roll < 0.92) return 'cancellation';
    if (roll < 0.94) return r.chance(0.5) ? 'complaint_resolved' : 'commitment_kept';
    return r.pick(['inquiry', 'exposure', 'evaluation', 'purchase'] as const);
  }

  private touchpoint(
    customerId: string,
    touchpointId: string,
    at: number,
    interaction: Interaction,
    mood: number,
    complaints: OpenPromise[],
    commitments: OpenPromise[],
  ): Touchpoint {
    const r = this.random;
    const channel = this.channelFor(interaction);
    const names = TOUCHPOINT_NAMES[interaction];
    const base = {
      touchpointId,
      customerId,
      occurredAt: new Date(at).toISOString(),
      channel,
      category: categoryOf(channel),
      ...(names && r.chance(0.8) ? { touchpointName: r.pick(names) } : {}),
      ...(r.chance(0.6) ? { pillar: r.pick(PILLARS) } : {}),
      ...(r.chance(0.1) ? { momentOfTruth: true } : {}),
      ...(r.chance(0.15) ? { companyAssessment: r.int(3, 5) } : {}),
      ...(r.chance(0.15) ? { sentiment: this.mooded(mood, -1, 1, 2) } : {}),
    };
    switch (interaction) {
      case 'purchase':
      case 'repurchase':
        return {
          ...base,
          interaction,
          ...(r.chance(0.7)
            ? {
                value: {
                  amount: r.int(10, 5000) + r.int(0, 99) / 100,
                  currency: r.pick(['EUR', 'EUR', 'USD']),
                },
              }
            : {}),
        };
      case 'survey_response':
        return { ...base, interaction, survey: this.survey(mood) };
      case 'feedback':
        return r.chance(0.5)
          ? { ...base, interaction, emotion: this.emotion(mood) }
          : { ...base, interaction, sentiment: this.mooded(mood, -1, 1, 2) };
      case 'complaint_opened': {
        // Now and then a complaint is reported twice under one id.
        const again = complaints[0];
        const id = again && r.chance(0.05) ? again.id : `${touchpointId}-cmp`;
        if (id !== again?.id) complaints.push({ id, openedAt: at });
        const reason = r.chance(0.03) ? 'misleading' : r.pick(COMPLAINT_REASONS);
        return { ...base, interaction, complaintId: id, reason };
      }
      case 'complaint_resolved': {
        const open = complaints.shift();
        // A resolution without an opening is settled by nothing until the opening turns up.
        const complaintId = open?.id ?? `${touchpointId}-orphan`;
        const occurredAt =
          open && r.chance(0.05)
            ? new Date(open.openedAt - HOUR_MS).toISOString()
            : base.occurredAt;
        return { ...base, occurredAt, interaction, complaintId };
      }
      case 'commitment_made': {
        const id = `${touchpointId}-prm`;
        commitments.push({ id, openedAt: at });
        return {
          ...base,
          interaction,
          commitmentId: id,
          dueAt: new Date(at + r.int(1, 10) * DAY_MS).toISOString(),
        };
      }
      case 'commitment_kept':
      case 'commitment_broken': {
        const open = r.chance(0.9) ? commitments.shift() : commitments[0];
        return { ...base, interaction, commitmentId: open?.id ?? `${touchpointId}-orphan` };
      }
      case 'exposure':
      case 'inquiry':
      case 'evaluation':
      case 'referral':
      case 'cancellation':
        return { ...base, interaction };
    }
  }

  private channelFor(interaction: Interaction): Channel {
    const r = this.random;
    switch (interaction) {
      case 'exposure':
        return r.pick([...CHANNELS_BY_CATEGORY.static, 'social_media', 'blog', 'email']);
      case 'complaint_opened':
      case 'complaint_resolved':
      case 'commitment_made':
      case 'commitment_kept':
      case 'commitment_broken':
        return r.pick([...CHANNELS_BY_CATEGORY.human, 'chat', 'email']);
      case 'inquiry':
      case 'evaluation':
      case 'purchase':
      case 'repurchase':
      case 'referral':
      case 'survey_response':
      case 'feedback':
      case 'cancellation':
        return r.pick([
          ...CHANNELS_BY_CATEGORY.human,
          ...CHANNELS_BY_CATEGORY.interactive,
          'product',
        ]);
    }
  }

  /** A value in [min, max] pulled towards the customer's mood (−1…1), rounded to `digits`. */
  private mooded(mood: number, min: number, max: number, digits: number): number {
    const centre = (mood + 1) / 2;
    const x = Math.min(1, Math.max(0, centre + (this.random.next() - 0.5) * 0.8));
    const factor = 10 ** digits;
    return Math.round((min + x * (max - min)) * factor) / factor;
  }

  private survey(mood: number): { nps?: number; csat?: number; ces?: number } {
    const r = this.random;
    const kinds = r.int(1, 7);
    const survey: { nps?: number; csat?: number; ces?: number } = {};
    if (kinds & 1) survey.nps = Math.round(this.mooded(mood, 0, 10, 0));
    if (kinds & 2) survey.csat = Math.round(this.mooded(mood, 1, 5, 0));
    if (kinds & 4) survey.ces = Math.round(this.mooded(mood, 1, 7, 0));
    return survey;
  }

  private emotion(mood: number): Touchpoint['emotion'] {
    const index = Math.round(this.mooded(mood, 0, EMOTION_LEVELS.length - 1, 0));
    return EMOTION_LEVELS[index];
  }
}
