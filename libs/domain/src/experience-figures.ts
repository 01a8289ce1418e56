import { round9 } from './numbers';

export interface NpsFigure {
  readonly score: number | null;
  readonly answers: number;
  readonly promoters: number;
  readonly passives: number;
  readonly detractors: number;
}

export interface CsatFigure {
  readonly score: number | null;
  readonly answers: number;
  readonly satisfied: number;
}

export interface CesFigure {
  readonly score: number | null;
  readonly answers: number;
}

export interface ExperienceMetricsRow {
  /** The bucket's first day `YYYY-MM-DD` in the query's zone (weeks start on Monday); null without buckets. */
  readonly bucket: string | null;
  /** The group's value; null for touchpoints without one, and when not grouping. */
  readonly group: string | null;
  readonly nps: NpsFigure;
  readonly csat: CsatFigure;
  readonly ces: CesFigure;
}

/** What NPS, CSAT and CES are computed from: plain counts and an integer sum, so they add up exactly. */
export interface ExperienceCounters {
  readonly npsAnswers: number;
  readonly promoters: number;
  readonly detractors: number;
  readonly csatAnswers: number;
  readonly satisfied: number;
  readonly cesAnswers: number;
  /** CES answers are integers 1–7, so their sum is exact in any order. */
  readonly cesSum: number;
}

/** One metrics row from its counters (§5): scores rounded to 9 decimals, null without answers. */
export function experienceRowOf(
  bucket: string | null,
  group: string | null,
  a: ExperienceCounters,
): ExperienceMetricsRow {
  return {
    bucket,
    group,
    nps: {
      score:
        a.npsAnswers === 0 ? null : round9((100 * (a.promoters - a.detractors)) / a.npsAnswers),
      answers: a.npsAnswers,
      promoters: a.promoters,
      passives: a.npsAnswers - a.promoters - a.detractors,
      detractors: a.detractors,
    },
    csat: {
      score: a.csatAnswers === 0 ? null : round9((100 * a.satisfied) / a.csatAnswers),
      answers: a.csatAnswers,
      satisfied: a.satisfied,
    },
    ces: {
      score: a.cesAnswers === 0 ? null : round9(a.cesSum / a.cesAnswers),
      answers: a.cesAnswers,
    },
  };
}
