import { ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';
/** What `ensureTopics` needs of a topic; the contracts' `TOPIC_SPECS` satisfy it. */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly config?: Readonly<Record<string, string>>;
}

export interface EnsureTopicsResult {
  readonly created: string[];
  readonly existing: string[];
  /** Topics that exist with another partition count; never changed automatically, since
   *  adding partitions moves keys and breaks per-customer ordering. */
  readonly mismatched: { name: string; partitions: number; expected: number }[];
}

function isAdmin(client: Kafka | Admin): client is Admin {
  return typeof (client as Partial<Admin>).createTopics === 'function';
}

/**
 * Creates the topics of `specs` that are missing, with their explicit partition count and the
 * cluster's default replication factor. Accepts a client (connects its own admin) or a
 * connected admin. Safe to run concurrently with another creator.
 */
export async function ensureTopics(
  client: Kafka | Admin,
  specs: readonly TopicSpec[],
): Promise<EnsureTopicsResult> {
  const admin = isAdmin(client) ? client : client.admin();
  const ownAdmin = !isAdmin(client);
  if (ownAdmin) {
    await admin.connect();
  }
  try {
    const present = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !present.has(spec.name));
    if (missing.length > 0) {
      try {
        await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((spec) => ({
            topic: spec.name,
            numPartitions: spec.partitions,
            configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({
              name,
              value,
            })),
          })),
        });
      } catch (error) {
        // Another process may have created some of them in between; only a topic still absent
        // afterwards is a real failure.
        const after = new Set(await admin.listTopics());
        if (missing.some((spec) => !after.has(spec.name))) {
          throw error;
        }
      }
    }
    const existingSpecs = specs.filter((spec) => present.has(spec.name));
    const mismatched: EnsureTopicsResult['mismatched'] = [];
    if (existingSpecs.length > 0) {
      const metadata = await admin.fetchTopicMetadata({
        topics: existingSpecs.map((spec) => spec.name),
      });
      for (const topic of metadata.topics) {
        const expected = existingSpecs.find((spec) => spec.name === topic.name)?.partitions;
        if (expected !== undefined && topic.partitions.length !== expected) {
          mismatched.push({ name: topic.name, partitions: topic.partitions.length, expected });
        }
      }
    }
    await alignTopicConfigs(admin, existingSpecs);
    return {
      created: missing.map((spec) => spec.name),
      existing: existingSpecs.map((spec) => spec.name),
      mismatched,
    };
  } finally {
    if (ownAdmin) {
      await admin.disconnect();
    }
  }
}

/**
 * A topic created by an earlier version lacks settings added since (compaction, a larger message
 * limit): they are set on it, and only where they differ, so a restart changes nothing.
 */
async function alignTopicConfigs(admin: Admin, specs: readonly TopicSpec[]): Promise<void> {
  const configured = specs.filter((spec) => Object.keys(spec.config ?? {}).length > 0);
  if (configured.length === 0) return;
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: configured.map((spec) => ({
      type: ConfigResourceTypes.TOPIC,
      name: spec.name,
      configNames: Object.keys(spec.config ?? {}),
    })),
  });
  const current = new Map(
    described.resources.map((resource) => [
      resource.resourceName,
      new Map(resource.configEntries.map((entry) => [entry.configName, entry.configValue])),
    ]),
  );
  const drifted = configured.filter((spec) =>
    Object.entries(spec.config ?? {}).some(
      ([name, value]) => current.get(spec.name)?.get(name) !== value,
    ),
  );
  if (drifted.length === 0) return;
  await admin.alterConfigs({
    validateOnly: false,
    resources: drifted.map((spec) => ({
      type: ConfigResourceTypes.TOPIC,
      name: spec.name,
      configEntries: Object.entries(spec.config ?? {}).map(([name, value]) => ({ name, value })),
    })),
  });
}
