import type { ConsumerConfig } from 'kafkajs';

/**
 * A member of `group` that the group drops after `sessionTimeoutMs` without a heartbeat; it
 * heartbeats ten times per session and never creates the topics it subscribes to.
 */
export function groupMemberConfig(group: string, sessionTimeoutMs: number): ConsumerConfig {
  return {
    groupId: group,
    allowAutoTopicCreation: false,
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: Math.floor(sessionTimeoutMs / 10),
  };
}
