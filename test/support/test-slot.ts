import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../../infra/local/repo-root';
import { brokerPidFromState } from '../../infra/local/kafka-broker';
import { isAlive, portAnswers } from '../../infra/local/process-utils';
import { TEST_DATABASE, TEST_KAFKA_PORT } from './stack-env';

/**
 * One integration run's share of the machine: broker data folder, ports and database. Two runs
 * at once (two terminals, two developers' agents) would otherwise wipe each other's broker and
 * drop each other's database; the second run takes the next free slot instead.
 */
export interface TestSlot {
  readonly index: number;
  readonly kafkaDataDir: string;
  readonly kafkaPort: number;
  readonly database: string;
}

const MAX_SLOTS = 10;
const OWNER_FILE = 'owner.json';

function slotDir(index: number): string {
  return cacheDir(index === 0 ? 'kafka-test' : `kafka-test-${index}`);
}

function slot(index: number): TestSlot {
  return {
    index,
    // Below the slot folder, so wiping the broker's data keeps the claim.
    kafkaDataDir: join(slotDir(index), 'broker'),
    // Broker and controller ports of neighbouring slots never overlap.
    kafkaPort: TEST_KAFKA_PORT + 10 * index,
    database: index === 0 ? TEST_DATABASE : `${TEST_DATABASE}_${index}`,
  };
}

function ownerOf(dir: string): number | null {
  try {
    const { pid } = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as { pid: number };
    return isAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

async function tryClaim(index: number): Promise<boolean> {
  const dir = slotDir(index);
  const { kafkaDataDir, kafkaPort } = slot(index);
  const file = join(dir, OWNER_FILE);
  mkdirSync(dir, { recursive: true });
  const owner = ownerOf(dir);
  if (owner === process.pid) {
    return true;
  }
  if (owner !== null) {
    return false;
  }
  // A broker on the port that this slot did not record belongs to something else; one it did
  // record is left over from a crashed run and is replaced by the fresh start.
  if (brokerPidFromState(kafkaDataDir) === null && (await portAnswers(kafkaPort))) {
    return false;
  }
  // The owner is gone (a finished or crashed run): its claim lapses. Exclusive creation makes
  // two runs starting at the same moment settle on different slots.
  rmSync(file, { force: true });
  try {
    writeFileSync(file, JSON.stringify({ pid: process.pid, claimedAt: new Date().toISOString() }), {
      flag: 'wx',
    });
    return true;
  } catch {
    return false;
  }
}

export async function claimTestSlot(): Promise<TestSlot> {
  for (let index = 0; index < MAX_SLOTS; index += 1) {
    if (await tryClaim(index)) {
      return slot(index);
    }
  }
  throw new Error(`All ${MAX_SLOTS} integration test slots are held by running jest processes`);
}

/** Whether another running jest process holds a slot (and may share the embedded Postgres). */
export function otherSlotsHeld(): boolean {
  for (let index = 0; index < MAX_SLOTS; index += 1) {
    const owner = ownerOf(slotDir(index));
    if (owner !== null && owner !== process.pid) {
      return true;
    }
  }
  return false;
}

export function releaseTestSlot(kafkaDataDir: string): void {
  const file = join(kafkaDataDir, '..', OWNER_FILE);
  if (ownerOf(join(kafkaDataDir, '..')) === process.pid) {
    rmSync(file, { force: true });
  }
}
