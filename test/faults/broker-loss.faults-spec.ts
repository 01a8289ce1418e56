import { TOPIC_SPECS, TOPICS } from '@cx/contracts';
import {
  CLUSTER_NODE_IDS,
  startKafkaCluster,
  type KafkaCluster,
} from '../../infra/local/kafka-cluster';
import type { RecoveryWatch } from './support/fault-harness';
import { FaultStack } from './support/fault-stack';
import { failures, reportFault, verifyLedger, type OpenLoad } from './support/ledger';
import { partitionReplicas, whenPartitions } from './support/partition-replicas';

jest.setTimeout(300_000);

const OUTAGE_MS = 10_000;
const TOPIC = TOPICS.touchpoints;
const FAULT = '1 of 3 Kafka brokers (partition-0 leader) killed 10 s, RF 3, min ISR 2, 1,000 tp/s';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const log = (line: string): void => {
  process.stderr.write(`[kafka cluster] ${line}\n`);
};

/**
 * The node leading partition 0 of the touchpoints topic killed (SIGKILL) for 10 s under load in a
 * 3-node cluster (replication factor 3, min ISR 2, no unclean election), then started again: the
 * two survivors keep a quorum and an in-sync majority, leadership moves, and every acknowledged
 * touchpoint is published and projected exactly once, with no service restarted.
 */
describe('one broker of a 3-broker Kafka cluster killed (SIGKILL) for 10 s under load (fault)', () => {
  let cluster: KafkaCluster | undefined;
  let stack: FaultStack;
  let load: OpenLoad | undefined;
  let recovery: RecoveryWatch | undefined;

  beforeAll(async () => {
    cluster = await startKafkaCluster({ log });
    stack = await FaultStack.start({ kafkaBrokers: cluster.brokers });
  });

  afterAll(async () => {
    await load?.stop(0);
    await recovery?.stop();
    await stack?.stop();
    // Also after a failure mid-outage: no node of this test outlives it.
    await cluster?.stopAll({ hard: true });
  });

  it('keeps every service up and publishes and projects everything exactly once', async () => {
    if (cluster === undefined) throw new Error('the Kafka cluster did not start');
    const { brokers } = cluster;
    const allNodes = [...CLUSTER_NODE_IDS];
    const partitionCount = TOPIC_SPECS.find((spec) => spec.name === TOPIC)?.partitions;
    // The projector created the topic at start, with the cluster's default replication factor.
    const before = await partitionReplicas(brokers, TOPIC);
    expect(before).toHaveLength(partitionCount ?? -1);
    expect(before).toEqual(before.map((p) => ({ ...p, replicas: allNodes, isr: allNodes })));

    const pidsBefore = stack.pids();
    load = stack.load();
    const watch = stack.recoveryWatch();
    recovery = watch;
    await load.more(2000);

    const leader = (await partitionReplicas(brokers, TOPIC))[0]?.leader;
    const victim = CLUSTER_NODE_IDS.find((id) => id === leader);
    if (victim === undefined) throw new Error(`partition 0 of ${TOPIC} has no leader (${leader})`);
    const killedAt = Date.now();
    await cluster.stopNode(victim, { hard: true });
    log(`killed node ${victim} (leader of partition 0)`);
    // Measured while the outage lasts: when every partition is led by, and in sync on, survivors.
    const failover = whenPartitions(
      brokers,
      TOPIC,
      `leadership to leave node ${victim}`,
      (ps) => ps.every((p) => p.leader !== victim && p.leader >= 0 && !p.isr.includes(victim)),
      OUTAGE_MS,
    ).then((ps) => (ps === null ? null : Date.now() - killedAt));
    await sleep(Math.max(0, killedAt + OUTAGE_MS - Date.now()));
    const failoverMs = await failover;

    await cluster.startNode(victim);
    const backAt = Date.now();
    log(`node ${victim} back after ${backAt - killedAt} ms`);
    const isrRestored = whenPartitions(
      brokers,
      TOPIC,
      `node ${victim} back in every ISR`,
      (ps) => ps.every((p) => p.isr.length === allNodes.length),
      60_000,
    ).then((ps) => (ps === null ? null : Date.now() - backAt));
    const recoveryMs = await watch.recovered(backAt);
    await load.more(1000);
    // Up to here arrivals were steady, so the projector should have been committing throughout.
    const loadEndAt = Date.now();
    await load.stop();
    const isrRestoredMs = await isrRestored;
    const stallMs = watch.longestStallMs(killedAt, loadEndAt);
    const unready = stack
      .all()
      .map((s) => ({ name: s.name, ms: watch.unreadyMs(s.name, killedAt, loadEndAt) }))
      .filter((u) => u.ms > 0)
      .map((u) => `${u.name} unready ${(u.ms / 1000).toFixed(1)} s`);

    const verdict = await verifyLedger(stack.db.pool, load.ledger);
    reportFault(
      FAULT,
      load.ledger,
      verdict,
      recoveryMs,
      [
        `node ${victim} killed`,
        `leadership moved in ${failoverMs === null ? `more than ${OUTAGE_MS}` : failoverMs} ms`,
        `down ${((backAt - killedAt) / 1000).toFixed(1)} s incl. restart`,
        `ISR 3/3 again ${isrRestoredMs ?? 'never'} ms after`,
        `projector stood still at most ${(stallMs / 1000).toFixed(1)} s`,
        ...(unready.length > 0 ? unready : ['no service unready']),
      ].join(', '),
    );
    expect(stack.pids()).toEqual(pidsBefore);
    for (const s of stack.all()) expect(s.running).toBe(true);
    expect(failures(verdict)).toEqual({});
    expect(verdict).toMatchObject({ lost: 0, doubled: 0 });
    expect(load.abandoned).toBe(0);
    expect(isrRestoredMs).not.toBeNull();
  });
});
