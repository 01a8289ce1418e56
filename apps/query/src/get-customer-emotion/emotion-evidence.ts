import {
  analyseHistory,
  dedupeTouchpoints,
  DEFAULT_JOURNEY_DEFINITION,
  isoOf,
  round9,
  type JourneyDefinition,
  type Touchpoint,
} from '@cx/domain';
import type { EmotionSignalDto } from './get-customer-emotion.response.dto';

/**
 * The signals behind an emotion score with their weights, recomputed from the projector's copy of
 * the customer's touchpoints by the same domain functions that computed the score.
 */
export function emotionEvidence(
  touchpoints: readonly Touchpoint[],
  definition: JourneyDefinition = DEFAULT_JOURNEY_DEFINITION,
): EmotionSignalDto[] {
  if (touchpoints.length === 0) return [];
  const history = analyseHistory(dedupeTouchpoints(touchpoints).touchpoints, definition);
  const latest = history.ordered[history.ordered.length - 1]?.at ?? 0;
  const halfLifeMs = definition.emotion.halfLifeSeconds * 1000;
  return history.signals.map((signal) => ({
    touchpointId: signal.touchpointId,
    occurredAt: isoOf(signal.at),
    category: signal.category,
    source: signal.source,
    valence: signal.valence,
    weight: round9(Math.pow(0.5, (latest - signal.at) / halfLifeMs)),
  }));
}
