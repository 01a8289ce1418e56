/** What `ensureTopics` needs of a topic; `@cx/contracts`' specs satisfy it. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
}

// The contracts library owns topic names and partition counts; re-exported for infrastructure.
export { TOPIC_SPECS } from '@cx/contracts/topics';
