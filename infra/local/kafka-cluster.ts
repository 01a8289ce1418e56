import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  awaitBrokerReady,
  brokerLayout,
  brokerPidFromState,
  ensureKafkaJars,
  formatStorageOnce,
  newClusterId,
  serverProperties,
  spawnBroker,
  stopKafkaBroker,
  writeBrokerConfig,
  withProbeAdmin,
  type BrokerLayout,
} from './kafka-broker';
import { portAnswers, silent, waitUntil, type LogLine } from './process-utils';
import { cacheDir } from './repo-root';

/** The node ids of the cluster; every node is broker and controller. */
export const CLUSTER_NODE_IDS = [1, 2, 3] as const;

export type ClusterNodeId = (typeof CLUSTER_NODE_IDS)[number];

/**
 * Node N listens on `basePort + N - 1` and its controller on `controllerBasePort + N - 1`. Above
 * the single broker's 9092 and the integration test slots (19092 + 10 per slot, up to 19183), and
 * below Linux's ephemeral ports, which the services' own free ports are taken from.
 */
const DEFAULT_BASE_PORT = 19292;
const CONTROLLER_PORT_OFFSET = 100;

export interface KafkaClusterOptions {
  /** Holds `node-1` … `node-3`. Default `.cache/kafka/cluster` in the repository. */
  readonly dir?: string;
  readonly basePort?: number;
  /** Default `basePort + 100`. */
  readonly controllerBasePort?: number;
  /** Per node; three JVMs share the machine with the services under test. */
  readonly heapMb?: number;
  readonly readyTimeoutMs?: number;
  readonly log?: LogLine;
}

export interface KafkaCluster {
  /** Bootstrap list of every node, e.g. `127.0.0.1:19292,127.0.0.1:19293,127.0.0.1:19294`. */
  readonly brokers: string;
  readonly nodeIds: readonly ClusterNodeId[];
  /** `127.0.0.1:<port>` of one node. */
  brokerOf(id: ClusterNodeId): string;
  logFileOf(id: ClusterNodeId): string;
  /** The node's JVM pid while it runs. */
  pidOf(id: ClusterNodeId): number | null;
  /** Graceful stop (SIGTERM); `hard` kills it (SIGKILL) like a crash. Resolves once it is gone. */
  stopNode(id: ClusterNodeId, options?: { hard?: boolean }): Promise<void>;
  /** Starts a stopped node on its data and resolves once the cluster counts it again. */
  startNode(id: ClusterNodeId): Promise<void>;
  stopAll(options?: { hard?: boolean }): Promise<void>;
}

/** Replication the cluster enforces: every write on 2 of 3 nodes before it is acknowledged. */
const REPLICATION_FACTOR = 3;
const MIN_INSYNC_REPLICAS = 2;

/**
 * Longer than the single broker's 3 s: three JVMs on a small machine under load must not be
 * fenced for a late heartbeat, which would move leadership for no fault. Shorter than Kafka's
 * 9 s default so a killed node's partitions get a new leader well within a 10 s outage.
 */
const BROKER_SESSION_TIMEOUT_MS = 6000;

function nodeDir(dir: string, id: ClusterNodeId): string {
  return join(dir, `node-${id}`);
}

/** Stops every node recorded under `dir` (another process's cluster included). */
export async function stopKafkaCluster(
  options: { dir?: string; hard?: boolean } = {},
): Promise<void> {
  const dir = options.dir ?? cacheDir('kafka', 'cluster');
  await Promise.all(
    CLUSTER_NODE_IDS.map((id) => stopKafkaBroker(nodeDir(dir, id), { hard: options.hard })),
  );
}

/** How many brokers the cluster's metadata lists (fenced ones are left out). */
async function brokerCount(brokers: string): Promise<number> {
  try {
    const cluster = await withProbeAdmin(brokers, 'cx-infra-cluster-probe', (admin) =>
      admin.describeCluster(),
    );
    return cluster.brokers.length;
  } catch {
    return 0;
  }
}

/**
 * A fresh 3-node KRaft cluster on 127.0.0.1 (combined broker and controller nodes, a static
 * quorum, replication factor 3 with min ISR 2 for every topic, no unclean leader election),
 * started from the jars in `.cache/kafka/libs`. Whatever was recorded under `dir` is stopped and
 * wiped first. Resolves once every node answers and the cluster lists all three brokers.
 */
export async function startKafkaCluster(options: KafkaClusterOptions = {}): Promise<KafkaCluster> {
  const log = options.log ?? silent;
  const dir = options.dir ?? cacheDir('kafka', 'cluster');
  const basePort = options.basePort ?? DEFAULT_BASE_PORT;
  const controllerBasePort = options.controllerBasePort ?? basePort + CONTROLLER_PORT_OFFSET;
  const heapMb = options.heapMb ?? 384;
  const readyTimeoutMs = options.readyTimeoutMs ?? 180_000;

  await stopKafkaCluster({ dir, hard: true });
  rmSync(dir, { recursive: true, force: true });

  const layoutOf = (id: ClusterNodeId): BrokerLayout =>
    brokerLayout(nodeDir(dir, id), basePort + id - 1, controllerBasePort + id - 1);
  const all = CLUSTER_NODE_IDS.map(layoutOf);
  for (const layout of all) {
    for (const port of [layout.port, layout.controllerPort]) {
      if (await portAnswers(port)) {
        throw new Error(
          `Port ${port} is taken by a process this project did not record; stop it or choose another basePort.`,
        );
      }
    }
  }
  const brokers = all.map((layout) => `127.0.0.1:${layout.port}`).join(',');
  const voters = CLUSTER_NODE_IDS.map((id) => `${id}@127.0.0.1:${layoutOf(id).controllerPort}`);

  const libs = await ensureKafkaJars(log);
  const clusterId = newClusterId();
  await Promise.all(
    CLUSTER_NODE_IDS.map(async (id) => {
      const layout = layoutOf(id);
      writeBrokerConfig(
        layout,
        serverProperties({
          dataDir: layout.dataDir,
          nodeId: id,
          port: layout.port,
          controllerPort: layout.controllerPort,
          voters: voters.join(','),
          replicationFactor: REPLICATION_FACTOR,
          minInsyncReplicas: MIN_INSYNC_REPLICAS,
          brokerSessionTimeoutMs: BROKER_SESSION_TIMEOUT_MS,
        }),
      );
      await formatStorageOnce(libs, layout, log, clusterId);
    }),
  );

  const allListed = async (): Promise<void> => {
    const listed = await waitUntil(
      async () => (await brokerCount(brokers)) === CLUSTER_NODE_IDS.length,
      readyTimeoutMs,
      250,
    );
    if (!listed) {
      throw new Error(`The Kafka cluster on ${brokers} did not list all its brokers in time`);
    }
  };

  const cluster: KafkaCluster = {
    brokers,
    nodeIds: CLUSTER_NODE_IDS,
    brokerOf: (id) => `127.0.0.1:${layoutOf(id).port}`,
    logFileOf: (id) => layoutOf(id).logFile,
    pidOf: (id) => brokerPidFromState(layoutOf(id).dataDir),
    stopNode: (id, stopOptions = {}) => stopKafkaBroker(layoutOf(id).dataDir, stopOptions),
    startNode: async (id) => {
      const layout = layoutOf(id);
      if (brokerPidFromState(layout.dataDir) === null) {
        const pid = spawnBroker(libs, layout, heapMb);
        await awaitBrokerReady(pid, layout, readyTimeoutMs, log);
      }
      await allListed();
    },
    stopAll: (stopOptions = {}) => stopKafkaCluster({ dir, hard: stopOptions.hard }),
  };

  try {
    // Spawned together: no node answers before a majority of the quorum runs.
    const spawned = all.map((layout) => ({ layout, pid: spawnBroker(libs, layout, heapMb) }));
    await Promise.all(
      spawned.map(({ layout, pid }) => awaitBrokerReady(pid, layout, readyTimeoutMs, log)),
    );
    await allListed();
  } catch (error) {
    await cluster.stopAll({ hard: true });
    throw error;
  }
  log(`Kafka cluster ready on ${brokers}`);
  return cluster;
}
