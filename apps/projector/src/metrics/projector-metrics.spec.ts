import { Registry } from 'prom-client';
import { ProjectorMetrics } from './projector-metrics';

const TOPIC = 'cx.touchpoints.v1';

async function valuesOf(registry: Registry, name: string): Promise<[string, number][]> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`${name} is not registered`);
  const { values } = await metric.get();
  return values.map((v) => [JSON.stringify(v.labels), v.value]);
}

describe('projector metrics', () => {
  it('counts applied touchpoints, consumed messages and dead letters, and times each chunk', async () => {
    const registry = new Registry();
    const metrics = new ProjectorMetrics(registry);
    metrics.watchTopic(TOPIC);
    metrics.applied(TOPIC, { messages: 10, newTouchpoints: 8, seconds: 0.02 });
    metrics.applied(TOPIC, { messages: 3, newTouchpoints: 0, seconds: 0.3 });
    metrics.deadLettered(TOPIC, 2);

    const labels = JSON.stringify({ topic: TOPIC });
    expect(await valuesOf(registry, 'cx_projector_applied_events_total')).toEqual([[labels, 8]]);
    expect(await valuesOf(registry, 'cx_projector_consumed_messages_total')).toEqual([
      [labels, 13],
    ]);
    expect(await valuesOf(registry, 'cx_projector_dead_letters_total')).toEqual([[labels, 2]]);
    const text = await registry.metrics();
    expect(text).toContain(`cx_projector_apply_duration_seconds_count{topic="${TOPIC}"} 2`);
    expect(text).toContain(
      `cx_projector_apply_duration_seconds_bucket{le="0.025",topic="${TOPIC}"} 1`,
    );
  });

  it('reads the consumer lag per partition at scrape time, and leaves it out when it cannot', async () => {
    const registry = new Registry();
    const metrics = new ProjectorMetrics(registry);
    expect(await valuesOf(registry, 'cx_projector_consumer_lag_events')).toEqual([]);
    let reading = 0;
    metrics.watchLag(() => {
      reading += 1;
      if (reading > 1) return Promise.reject(new Error('Kafka does not answer'));
      return Promise.resolve({
        topic: TOPIC,
        eventsBehind: 7,
        oldestUnprocessedAgeSeconds: 4.5,
        partitions: [
          { partition: 0, endOffset: '10', nextOffset: '10', behind: 0 },
          { partition: 1, endOffset: '9', nextOffset: '2', behind: 7 },
        ],
      });
    });
    const first = await registry.metrics();
    expect(first).toContain(`cx_projector_consumer_lag_events{topic="${TOPIC}",partition="0"} 0`);
    expect(first).toContain(`cx_projector_consumer_lag_events{topic="${TOPIC}",partition="1"} 7`);
    expect(first).toContain(`cx_projector_oldest_unprocessed_age_seconds{topic="${TOPIC}"} 4.5`);
    const second = await registry.metrics();
    expect(second).not.toContain('cx_projector_consumer_lag_events{');
    expect(second).not.toContain('cx_projector_oldest_unprocessed_age_seconds{');
  });
});
