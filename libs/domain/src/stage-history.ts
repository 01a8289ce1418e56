import {
  assess,
  emptyTally,
  type Assessment,
  STAGES,
  type CustomerFacts,
  type Stage,
  type WeightedTally,
} from './assessment';
import { dedupeTouchpoints } from './dedupe';
import { customerOf, inEventTimeOrder, type TimedTouchpoint } from './history';
import { DEFAULT_JOURNEY_DEFINITION, type JourneyDefinition } from './journey-definition';
import { isoOf } from './numbers';
import { cesValence, csatValence, emotionValence, npsValence, sentimentValence } from './signals';
import type { Category, Touchpoint } from './touchpoint';

export interface StageHistoryEntry {
  readonly stage: Stage;
  readonly enteredAt: string;
  /** null while the customer is still at this stage */
  readonly leftAt: string | null;
  readonly causedBy: string;
  readonly from: Stage | null;
}

export interface StageHistory {
  readonly customerId: string;
  readonly entries: StageHistoryEntry[];
  /** Seconds spent per stage; the open entry runs to the latest touchpoint, never to the clock. */
  readonly secondsInStage: Record<Stage, number>;
}

/**
 * Replays a history in event-time order keeping the facts of every prefix up to date in O(1) per
 * signal. Weights are kept relative to the prefix's latest time T: when T advances by Δ every sum
 * is multiplied by 0.5^(Δ/H), which equals recomputing each weight 0.5^((T − t)/H) up to a few
 * ulps — far below the 10⁻⁹ rounding every comparison goes through.
 */
class PrefixReplay {
  private T = Number.NEGATIVE_INFINITY;
  private readonly halfLifeMs: number;
  private readonly slaMs: number;
  private readonly all = emptyTally();
  private readonly byCategory: Record<Category, WeightedTally> = {
    static: emptyTally(),
    human: emptyTally(),
    interactive: emptyTally(),
  };
  private readonly post = emptyTally();
  /** Signals at the current T: they join the post-purchase sums if a purchase comes at T. */
  private atT: { category: Category; valence: number }[] = [];
  private hasInquiry = false;
  private hasEvaluation = false;
  private hasRepurchase = false;
  private hasReferral = false;
  private hasMisleadingComplaint = false;
  private earliestPurchaseAt: number | null = null;
  private earliestRepurchaseAt: number | null = null;
  private latestPurchaseAt: number | null = null;
  private latestCancellationAt: number | null = null;
  private latestNps: { value: number; at: number } | null = null;
  private firstPositive: number | null = null;
  private lastPositive: number | null = null;
  private settled = 0;
  private kept = 0;
  private readonly openings = new Map<string, number>();
  private readonly resolutions = new Map<string, { at: number; category: Category }>();
  private readonly made = new Set<string>();
  private readonly settles = new Map<string, { at: number; category: Category; kept: boolean }>();

  constructor(definition: JourneyDefinition) {
    this.halfLifeMs = definition.emotion.halfLifeSeconds * 1000;
    this.slaMs = definition.complaints.slaSeconds * 1000;
  }

  private tallies(): WeightedTally[] {
    return [
      this.all,
      this.byCategory.static,
      this.byCategory.human,
      this.byCategory.interactive,
      this.post,
    ];
  }

  private advance(at: number): void {
    if (at <= this.T) return;
    if (this.T !== Number.NEGATIVE_INFINITY) {
      const f = Math.pow(0.5, (at - this.T) / this.halfLifeMs);
      for (const t of this.tallies()) {
        t.sumW *= f;
        t.sumWPositive *= f;
        t.sumWV *= f;
      }
    }
    this.T = at;
    this.atT = [];
  }

  private signal(at: number, category: Category, valence: number): void {
    const w = at === this.T ? 1 : Math.pow(0.5, (this.T - at) / this.halfLifeMs);
    const add = (t: WeightedTally): void => {
      t.count += 1;
      t.sumW += w;
      t.sumWV += w * valence;
      if (valence > 0) t.sumWPositive += w;
    };
    add(this.all);
    add(this.byCategory[category]);
    if (this.earliestPurchaseAt !== null && at >= this.earliestPurchaseAt) add(this.post);
    if (valence > 0) {
      this.firstPositive = this.firstPositive === null ? at : Math.min(this.firstPositive, at);
      this.lastPositive = this.lastPositive === null ? at : Math.max(this.lastPositive, at);
    }
    if (at === this.T) this.atT.push({ category, valence });
  }

  private settle(at: number, category: Category, valence: number, kept: boolean): void {
    this.settled++;
    if (kept) this.kept++;
    this.signal(at, category, valence);
  }

  apply({ touchpoint: tp, at }: TimedTouchpoint): void {
    this.advance(at);
    const category = tp.category;
    if (tp.survey?.nps !== undefined) this.latestNps = { value: tp.survey.nps, at };
    switch (tp.interaction) {
      case 'inquiry':
        this.hasInquiry = true;
        break;
      case 'evaluation':
        this.hasEvaluation = true;
        break;
      case 'referral':
        this.hasReferral = true;
        break;
      case 'cancellation':
        this.latestCancellationAt = at;
        break;
      case 'purchase':
      case 'repurchase':
        if (this.earliestPurchaseAt === null) {
          this.earliestPurchaseAt = at;
          for (const s of this.atT) {
            this.post.count += 1;
            this.post.sumW += 1;
            this.post.sumWV += s.valence;
            if (s.valence > 0) this.post.sumWPositive += 1;
          }
        }
        this.latestPurchaseAt = at;
        if (tp.interaction === 'repurchase') {
          this.hasRepurchase = true;
          this.earliestRepurchaseAt ??= at;
        }
        break;
      case 'complaint_opened': {
        if (tp.reason === 'misleading') this.hasMisleadingComplaint = true;
        if (this.openings.has(tp.complaintId)) break;
        this.openings.set(tp.complaintId, at);
        this.signal(at, category, -1);
        const r = this.resolutions.get(tp.complaintId);
        if (r !== undefined) {
          const within = r.at - at <= this.slaMs;
          this.settle(r.at, r.category, within ? 1 : -1, within);
        }
        break;
      }
      case 'complaint_resolved': {
        if (this.resolutions.has(tp.complaintId)) break;
        this.resolutions.set(tp.complaintId, { at, category });
        const openedAt = this.openings.get(tp.complaintId);
        if (openedAt !== undefined) {
          const within = at - openedAt <= this.slaMs;
          this.settle(at, category, within ? 1 : -1, within);
        }
        break;
      }
      case 'commitment_made': {
        if (this.made.has(tp.commitmentId)) break;
        this.made.add(tp.commitmentId);
        const s = this.settles.get(tp.commitmentId);
        if (s !== undefined) this.settle(s.at, s.category, s.kept ? 1 : -2, s.kept);
        break;
      }
      case 'commitment_kept':
      case 'commitment_broken': {
        if (this.settles.has(tp.commitmentId)) break;
        const kept = tp.interaction === 'commitment_kept';
        this.settles.set(tp.commitmentId, { at, category, kept });
        if (this.made.has(tp.commitmentId)) this.settle(at, category, kept ? 1 : -2, kept);
        break;
      }
      case 'exposure':
      case 'survey_response':
      case 'feedback':
        break;
      default: {
        const never: never = tp;
        throw new RangeError(`unknown interaction ${JSON.stringify(never)}`);
      }
    }
    if (tp.survey?.nps !== undefined) this.signal(at, category, npsValence(tp.survey.nps));
    if (tp.survey?.csat !== undefined) this.signal(at, category, csatValence(tp.survey.csat));
    if (tp.survey?.ces !== undefined) this.signal(at, category, cesValence(tp.survey.ces));
    if (tp.sentiment !== undefined) this.signal(at, category, sentimentValence(tp.sentiment));
    if (tp.emotion !== undefined) this.signal(at, category, emotionValence(tp.emotion));
  }

  facts(): CustomerFacts {
    return {
      all: this.all,
      byCategory: this.byCategory,
      postPurchase: this.post,
      hasInquiry: this.hasInquiry,
      hasEvaluation: this.hasEvaluation,
      hasPurchase: this.earliestPurchaseAt !== null,
      hasRepurchase: this.hasRepurchase,
      hasReferral: this.hasReferral,
      settled: this.settled,
      kept: this.kept,
      hasMisleadingComplaint: this.hasMisleadingComplaint,
      positiveSpanMs:
        this.firstPositive === null || this.lastPositive === null
          ? null
          : this.lastPositive - this.firstPositive,
      latestNps: this.latestNps,
      earliestRepurchaseAt: this.earliestRepurchaseAt,
      lost:
        this.latestCancellationAt !== null &&
        !(this.latestPurchaseAt !== null && this.latestPurchaseAt > this.latestCancellationAt),
    };
  }
}

/** The assessment after each prefix of an ordered, deduplicated history (one per touchpoint). */
export function assessmentsAfterEachPrefix(
  ordered: readonly TimedTouchpoint[],
  definition: JourneyDefinition = DEFAULT_JOURNEY_DEFINITION,
): Assessment[] {
  const replay = new PrefixReplay(definition);
  return ordered.map((t) => {
    replay.apply(t);
    return assess(replay.facts(), definition);
  });
}

function zeroSeconds(): Record<Stage, number> {
  const out = {} as Record<Stage, number>;
  for (const s of STAGES) out[s] = 0;
  return out;
}

/**
 * Stage history (§2): replay in event-time order and record every change of stage, so that the
 * history does not depend on the order in which events arrived.
 */
export function deriveStageHistory(
  customerTouchpoints: readonly Touchpoint[],
  definition: JourneyDefinition = DEFAULT_JOURNEY_DEFINITION,
): StageHistory {
  const customerId = customerOf(customerTouchpoints);
  const ordered = inEventTimeOrder(dedupeTouchpoints(customerTouchpoints).touchpoints);
  const stages = assessmentsAfterEachPrefix(ordered, definition).map((a) => a.stage);
  const changes: { stage: Stage; at: number; causedBy: string; from: Stage | null }[] = [];
  let current: Stage | null = null;
  ordered.forEach((t, i) => {
    const stage = stages[i];
    if (stage === undefined || stage === current) return;
    changes.push({ stage, at: t.at, causedBy: t.touchpoint.touchpointId, from: current });
    current = stage;
  });
  const endAt = ordered[ordered.length - 1]?.at ?? 0;
  const secondsInStage = zeroSeconds();
  const entries = changes.map((c, i): StageHistoryEntry => {
    const next = changes[i + 1];
    secondsInStage[c.stage] += ((next?.at ?? endAt) - c.at) / 1000;
    return {
      stage: c.stage,
      enteredAt: isoOf(c.at),
      leftAt: next === undefined ? null : isoOf(next.at),
      causedBy: c.causedBy,
      from: c.from,
    };
  });
  return { customerId, entries, secondsInStage };
}
