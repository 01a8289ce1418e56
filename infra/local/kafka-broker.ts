import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Admin } from 'kafkajs';
import { createKafka } from '@cx/messaging';
import { cacheDir, repoRoot } from './repo-root';
import {
  commandLineOf,
  isAlive,
  portAnswers,
  readTail,
  silent,
  terminate,
  waitUntil,
  type LogLine,
} from './process-utils';

const execFileAsync = promisify(execFile);

export interface KafkaBrokerOptions {
  /** Config, data and logs of this broker. Default `.cache/kafka/node` in the repository. */
  readonly dataDir?: string;
  /** PLAINTEXT listener on 127.0.0.1. Default 9092. */
  readonly port?: number;
  /** CONTROLLER listener. Default `port + 1`. */
  readonly controllerPort?: number;
  /** Wipe `dataDir` first (stopping a broker still recorded there) so the run starts empty. */
  readonly fresh?: boolean;
  /** Honour env `KAFKA_BROKERS` (default true). */
  readonly useEnv?: boolean;
  /** Reuse a broker that already answers on `port` (default true unless `fresh`). */
  readonly reuseRunning?: boolean;
  readonly heapMb?: number;
  readonly readyTimeoutMs?: number;
  readonly log?: LogLine;
}

export interface KafkaBroker {
  /** Bootstrap list for clients, e.g. `127.0.0.1:9092`. */
  readonly brokers: string;
  /** False when the broker is someone else's (`KAFKA_BROKERS`, or already running): then
   *  `stop`/`start` do nothing. */
  readonly managed: boolean;
  readonly dataDir: string | null;
  readonly logFile: string | null;
  pid(): number | null;
  /** Starts the broker again on the same data (no-op if it runs). */
  start(): Promise<void>;
  /** Graceful stop (SIGTERM); `hard` kills it like a crash. */
  stop(options?: { hard?: boolean }): Promise<void>;
}

interface BrokerState {
  pid: number;
  port: number;
  controllerPort: number;
  configPath: string;
  startedAt: string;
}

const MAIN_CLASS = 'kafka.Kafka';

export function kafkaLibsDir(): string {
  return cacheDir('kafka', 'libs');
}

/**
 * Fetches the broker's jars from Maven Central once (infra/kafka/pom.xml); later calls find the
 * completed folder and return at once. Fetches into a temporary folder renamed at the end, so an
 * interrupted download is never mistaken for a complete one.
 */
export async function ensureKafkaJars(log: LogLine = silent): Promise<string> {
  const libs = kafkaLibsDir();
  const marker = join(libs, '.complete');
  if (existsSync(marker)) {
    return libs;
  }
  const pom = join(repoRoot(), 'infra', 'kafka', 'pom.xml');
  const partial = `${libs}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  log(`fetching the Kafka broker from Maven Central into ${libs} (once)`);
  const started = Date.now();
  try {
    await execFileAsync(
      'mvn',
      [
        '-q',
        '-B',
        '-f',
        pom,
        'dependency:copy-dependencies',
        '-DincludeScope=runtime',
        `-DoutputDirectory=${partial}`,
      ],
      { maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60_000 },
    );
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`Fetching Kafka with Maven failed (is mvn on PATH?): ${detail}`);
  }
  writeFileSync(join(partial, '.complete'), new Date().toISOString());
  if (existsSync(marker)) {
    // Another process finished first; its copy is as good as ours.
    rmSync(partial, { recursive: true, force: true });
  } else {
    rmSync(libs, { recursive: true, force: true });
    renameSync(partial, libs);
  }
  log(`Kafka jars fetched in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return libs;
}

/** What differs between the nodes of a cluster and a single broker. */
export interface NodeProperties {
  readonly dataDir: string;
  /** `node.id`; also the node's id in `voters`. */
  readonly nodeId: number;
  readonly port: number;
  readonly controllerPort: number;
  /** `controller.quorum.voters`, e.g. `1@127.0.0.1:9093,2@127.0.0.1:9095`. */
  readonly voters: string;
  /** Of the project's topics (`default.replication.factor`) and Kafka's internal ones. */
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
  /**
   * How long the controller waits for a silent broker before fencing it and moving its
   * partition leadership away; also how long a restarted node waits for its old session.
   */
  readonly brokerSessionTimeoutMs: number;
}

/** server.properties of one combined (broker and controller) KRaft node on 127.0.0.1. */
export function serverProperties(node: NodeProperties): string {
  const rf = node.replicationFactor;
  const minIsr = node.minInsyncReplicas;
  return [
    '# Written by infra/local on every start; edits are overwritten.',
    'process.roles=broker,controller',
    `node.id=${node.nodeId}`,
    `controller.quorum.voters=${node.voters}`,
    `listeners=PLAINTEXT://127.0.0.1:${node.port},CONTROLLER://127.0.0.1:${node.controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${node.port}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${join(node.dataDir, 'data')}`,
    'num.partitions=1',
    `default.replication.factor=${rf}`,
    `min.insync.replicas=${minIsr}`,
    `offsets.topic.replication.factor=${rf}`,
    // Fewer internal partitions: the first consumer group joins in well under a second.
    'offsets.topic.num.partitions=10',
    `transaction.state.log.replication.factor=${rf}`,
    `transaction.state.log.min.isr=${minIsr}`,
    'transaction.state.log.num.partitions=10',
    `share.coordinator.state.topic.replication.factor=${rf}`,
    `share.coordinator.state.topic.min.isr=${minIsr}`,
    // A replica that missed writes never becomes leader: acknowledged writes are not dropped.
    'unclean.leader.election.enable=false',
    'group.initial.rebalance.delay.ms=0',
    `broker.session.timeout.ms=${node.brokerSessionTimeoutMs}`,
    // Three heartbeats per session, as Kafka's defaults (2 s in 9 s) roughly keep.
    `broker.heartbeat.interval.ms=${Math.round(node.brokerSessionTimeoutMs / 3)}`,
    // The project creates its topics with the partition counts it means.
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

export function log4j2Properties(logFile: string): string {
  return [
    'status = warn',
    'appender.file.type = File',
    'appender.file.name = file',
    `appender.file.fileName = ${logFile}`,
    'appender.file.layout.type = PatternLayout',
    'appender.file.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.file.ref = file',
    '',
  ].join('\n');
}

// Kafka's cluster ids are 16 random bytes in URL-safe base64; its own generator avoids a
// leading '-' because the command line would read it as an option.
export function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) {
      return id;
    }
  }
}

function readState(dataDir: string): BrokerState | null {
  try {
    return JSON.parse(readFileSync(join(dataDir, 'broker.json'), 'utf8')) as BrokerState;
  } catch {
    return null;
  }
}

/** The pid of the broker recorded in `dataDir` if it still runs. */
export function brokerPidFromState(dataDir: string): number | null {
  const state = readState(dataDir);
  if (!state || !isAlive(state.pid)) {
    return null;
  }
  // Guards against a recycled pid now belonging to something else.
  const cmdline = commandLineOf(state.pid);
  if (cmdline !== null && !(cmdline.includes(MAIN_CLASS) && cmdline.includes(state.configPath))) {
    return null;
  }
  return state.pid;
}

/** Stops the broker recorded in `dataDir`, whichever process started it. */
export async function stopKafkaBroker(
  dataDir: string,
  options: { hard?: boolean } = {},
): Promise<void> {
  const pid = brokerPidFromState(dataDir);
  if (pid === null) {
    return;
  }
  await terminate(pid, options.hard ? 'SIGKILL' : 'SIGTERM', 30_000);
}

/**
 * Runs `work` with a short-lived admin client with quick timeouts, disconnected afterwards: for
 * probes of brokers that may have just been killed, where a long-lived client could stay bound
 * to a dead node.
 */
export async function withProbeAdmin<T>(
  brokers: string,
  clientId: string,
  work: (admin: Admin) => Promise<T>,
  retries = 0,
): Promise<T> {
  const admin = createKafka(brokers, clientId, {
    logLevel: 'nothing',
    retry: { retries },
    connectionTimeoutMs: 1000,
    requestTimeoutMs: 3000,
  }).admin();
  try {
    await admin.connect();
    return await work(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function brokerAnswers(brokers: string): Promise<boolean> {
  try {
    await withProbeAdmin(brokers, 'cx-infra-probe', (admin) => admin.listTopics());
    return true;
  } catch {
    return false;
  }
}

/** Where one broker keeps its config, data and logs. */
export interface BrokerLayout {
  readonly dataDir: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly configPath: string;
  readonly log4jPath: string;
  readonly logFile: string;
  readonly stdoutFile: string;
}

export function brokerLayout(dataDir: string, port: number, controllerPort: number): BrokerLayout {
  return {
    dataDir,
    port,
    controllerPort,
    configPath: join(dataDir, 'server.properties'),
    log4jPath: join(dataDir, 'log4j2.properties'),
    logFile: join(dataDir, 'logs', 'server.log'),
    stdoutFile: join(dataDir, 'logs', 'stdout.log'),
  };
}

/** Writes the broker's config files (every start: the ports or settings may have changed). */
export function writeBrokerConfig(layout: BrokerLayout, properties: string): void {
  mkdirSync(join(layout.dataDir, 'logs'), { recursive: true });
  writeFileSync(layout.configPath, properties);
  writeFileSync(layout.log4jPath, log4j2Properties(layout.logFile));
}

/**
 * Formats the broker's storage unless it already is. The nodes of one cluster must be formatted
 * with the same `clusterId`, or they refuse each other.
 */
export async function formatStorageOnce(
  libs: string,
  layout: BrokerLayout,
  log: LogLine,
  clusterId: string = newClusterId(),
): Promise<void> {
  if (existsSync(join(layout.dataDir, 'data', 'meta.properties'))) {
    return;
  }
  log(`formatting Kafka storage in ${layout.dataDir}`);
  await execFileAsync(
    'java',
    [
      '-Xmx256m',
      `-Dlog4j2.configurationFile=${layout.log4jPath}`,
      '-cp',
      join(libs, '*'),
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      layout.configPath,
    ],
    { timeout: 120_000 },
  );
}

/**
 * Starts the broker's JVM and records its pid in `broker.json`, without waiting for it: the
 * nodes of a cluster only answer once a majority of the controller quorum runs, so they are all
 * spawned before any is waited for (`awaitBrokerReady`).
 */
export function spawnBroker(libs: string, layout: BrokerLayout, heapMb: number): number {
  const out = openSync(layout.stdoutFile, 'a');
  const child = spawn(
    'java',
    [
      `-Xmx${heapMb}m`,
      `-Xms${Math.min(heapMb, 256)}m`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${layout.log4jPath}`,
      '-cp',
      join(libs, '*'),
      MAIN_CLASS,
      layout.configPath,
    ],
    // Own stdio files and unref: the broker outlives the process that started it (a jest
    // worker may restart it), and whoever stops it finds its pid in broker.json.
    { stdio: ['ignore', out, out] },
  );
  closeSync(out);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error('Could not start java for the Kafka broker (is Java 17+ on PATH?)');
  }
  const state: BrokerState = {
    pid,
    port: layout.port,
    controllerPort: layout.controllerPort,
    configPath: layout.configPath,
    startedAt: new Date().toISOString(),
  };
  writeFileSync(join(layout.dataDir, 'broker.json'), JSON.stringify(state, null, 2));
  return pid;
}

/** Resolves once the broker `pid` answers on its port; kills it and throws if it never does. */
export async function awaitBrokerReady(
  pid: number,
  layout: BrokerLayout,
  readyTimeoutMs: number,
  log: LogLine,
): Promise<void> {
  const brokers = `127.0.0.1:${layout.port}`;
  const ready = await waitUntil(
    async () => {
      if (!isAlive(pid)) {
        return true;
      }
      return (await portAnswers(layout.port)) && (await brokerAnswers(brokers));
    },
    readyTimeoutMs,
    250,
  );
  if (!ready || !isAlive(pid)) {
    await terminate(pid, 'SIGKILL', 0);
    throw new Error(
      `Kafka broker on ${brokers} did not become ready (${ready ? 'it exited' : `timeout ${readyTimeoutMs} ms`}).\n` +
        `--- ${layout.logFile} ---\n${readTail(layout.logFile)}\n` +
        `--- ${layout.stdoutFile} ---\n${readTail(layout.stdoutFile, 20)}`,
    );
  }
  log(`Kafka broker ready on ${brokers} (pid ${pid})`);
}

async function launch(
  libs: string,
  layout: BrokerLayout,
  heapMb: number,
  readyTimeoutMs: number,
  log: LogLine,
): Promise<number> {
  const pid = spawnBroker(libs, layout, heapMb);
  await awaitBrokerReady(pid, layout, readyTimeoutMs, log);
  return pid;
}

function external(brokers: string): KafkaBroker {
  return {
    brokers,
    managed: false,
    dataDir: null,
    logFile: null,
    pid: () => null,
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
  };
}

/**
 * A single-node KRaft broker on 127.0.0.1: `KAFKA_BROKERS` if set, else a broker already
 * answering on the port, else one started from the jars in `.cache/kafka/libs`.
 */
export async function startKafka(options: KafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const log = options.log ?? silent;
  const fromEnv = process.env.KAFKA_BROKERS;
  if ((options.useEnv ?? true) && fromEnv) {
    log(`using Kafka at ${fromEnv} (KAFKA_BROKERS)`);
    return external(fromEnv);
  }
  const port = options.port ?? 9092;
  const controllerPort = options.controllerPort ?? port + 1;
  const dataDir = options.dataDir ?? cacheDir('kafka', 'node');
  const brokers = `127.0.0.1:${port}`;
  const heapMb = options.heapMb ?? 512;
  const readyTimeoutMs = options.readyTimeoutMs ?? 120_000;

  if (options.fresh) {
    await stopKafkaBroker(dataDir, { hard: true });
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (await portAnswers(port)) {
    const reuse = options.reuseRunning ?? !options.fresh;
    if (!reuse) {
      throw new Error(
        `Port ${port} is taken by a process this project did not record; stop it or choose another port.`,
      );
    }
    if (brokerPidFromState(dataDir) === null) {
      log(`reusing the Kafka broker already answering on ${brokers}`);
      return external(brokers);
    }
  }

  const layout = brokerLayout(dataDir, port, controllerPort);
  const libs = await ensureKafkaJars(log);
  writeBrokerConfig(
    layout,
    serverProperties({
      dataDir,
      nodeId: 1,
      port,
      controllerPort,
      voters: `1@127.0.0.1:${controllerPort}`,
      replicationFactor: 1,
      minInsyncReplicas: 1,
      // After a crash the restarted node waits for its old broker session to expire before it
      // serves again; a short session keeps outage tests fast (one node: no spurious fencing).
      brokerSessionTimeoutMs: 3000,
    }),
  );
  await formatStorageOnce(libs, layout, log);

  let pid: number | null = brokerPidFromState(dataDir);
  if (pid === null) {
    pid = await launch(libs, layout, heapMb, readyTimeoutMs, log);
  }

  return {
    brokers,
    managed: true,
    dataDir,
    logFile: layout.logFile,
    pid: () => brokerPidFromState(dataDir),
    start: async () => {
      if (brokerPidFromState(dataDir) === null) {
        pid = await launch(libs, layout, heapMb, readyTimeoutMs, log);
      }
    },
    stop: (stopOptions = {}) => stopKafkaBroker(dataDir, stopOptions),
  };
}

/**
 * Freezes the broker recorded in `dataDir` (SIGSTOP): its sockets stay open but it answers
 * nothing, as in a long GC pause or a stalled host. Returns its pid; `resumeKafkaBroker` undoes it.
 */
export function pauseKafkaBroker(dataDir: string): number {
  const pid = brokerPidFromState(dataDir);
  if (pid === null) {
    throw new Error(`No Kafka broker recorded in ${dataDir} runs: nothing to pause`);
  }
  process.kill(pid, 'SIGSTOP');
  return pid;
}

/** Wakes the broker paused by `pauseKafkaBroker` (SIGCONT). */
export function resumeKafkaBroker(dataDir: string): void {
  const pid = brokerPidFromState(dataDir);
  if (pid !== null) {
    process.kill(pid, 'SIGCONT');
  }
}
