import { Pool } from 'pg';
import { decodeUtf8Strict } from '@cx/contracts';
import {
  DeadLetterStore,
  EventStore,
  keystoreUrlFor,
  PersonalDataCipher,
  prepareKeystore,
  type ReplayOutcome,
  type StoredDeadLetter,
} from '@cx/event-store';
import { migrateDatabase } from '@cx/read-models';
import { auditCli } from '../cli-audit';
import type { KeysIo } from '../keys/keys.command';
import type { DeadlettersRequest } from './deadletters.args';

/** A key as people read it: its text, or its bytes in base64 when they are not UTF-8. */
function keyText(key: Buffer | null): string | null {
  if (key === null) return null;
  const decoded = decodeUtf8Strict(key);
  return decoded.ok ? decoded.text : `base64:${key.toString('base64')}`;
}

/** A dead letter as a JSON line: everything but the value itself (up to 1 MB). */
function listed(letter: StoredDeadLetter): Record<string, unknown> {
  return {
    id: letter.id,
    code: letter.code,
    reason: letter.reason,
    issues: letter.issues,
    source: letter.source,
    key: keyText(letter.key),
    valueBytes: letter.valueBytes,
    valueKept: letter.value !== null,
    headers: letter.headers,
    touchpointId: letter.touchpointId,
    receivedAt: letter.receivedAt,
    replayedAt: letter.replayedAt,
    replayedPosition: letter.replayedPosition,
    lastReplay: letter.lastReplay,
  };
}

function line(letter: StoredDeadLetter): string {
  const { source } = letter;
  const state =
    letter.replayedAt !== null
      ? ` [replayed ${letter.replayedAt}, position ${letter.replayedPosition ?? '?'}]`
      : letter.lastReplay !== null
        ? ` [last replay ${letter.lastReplay.at}: ${letter.lastReplay.code}: ${letter.lastReplay.reason}]`
        : '';
  return `${letter.id}\t${letter.receivedAt}\t${letter.code}\t${source.topic}[${source.partition}]@${source.offset}\tkey=${keyText(letter.key) ?? '(none)'}\t${letter.reason}${state}`;
}

export function describeOutcome(outcome: ReplayOutcome): string {
  switch (outcome.outcome) {
    case 'replayed':
      return `${outcome.id}: replayed, ${outcome.touchpointId} stored at position ${outcome.position}`;
    case 'already_replayed':
      return `${outcome.id}: already replayed at ${outcome.replayedAt} (position ${outcome.position ?? '?'}); nothing done`;
    case 'refused':
      return `${outcome.id}: still refused, ${outcome.code}: ${outcome.reason}`;
    case 'not_replayable':
      return `${outcome.id}: cannot be replayed: ${outcome.reason}`;
    case 'not_found':
      return `${outcome.id}: no such dead letter`;
  }
}

/** Replayed now or before: the dead letter is in the event store. */
function resolved(outcome: ReplayOutcome): boolean {
  return outcome.outcome === 'replayed' || outcome.outcome === 'already_replayed';
}

/**
 * `cx deadletters list|replay` against the databases of `DATABASE_URL` and `CX_KEYSTORE_URL`
 * (replay appends, and seals personal data with the customers' keys like the service does).
 * Exit status of replay: 0 when every selected dead letter is (now or already) stored, else 1.
 */
export async function runDeadletters(
  request: DeadlettersRequest,
  env: Readonly<Record<string, string | undefined>>,
  defaultDatabaseUrl: string,
  io: KeysIo,
): Promise<number> {
  const databaseUrl = env.DATABASE_URL ?? defaultDatabaseUrl;
  const keystoreUrl = env.CX_KEYSTORE_URL ?? keystoreUrlFor(databaseUrl);
  await migrateDatabase(databaseUrl);
  await prepareKeystore(keystoreUrl, databaseUrl);
  const pool = new Pool({ connectionString: databaseUrl, max: 2 });
  const keyPool = new Pool({ connectionString: keystoreUrl, max: 2 });
  try {
    const deadLetters = new DeadLetterStore(
      pool,
      new EventStore(pool, new PersonalDataCipher(keyPool)),
    );
    if (request.action === 'list') {
      const letters = await deadLetters.list({
        limit: request.limit,
        ...(request.code === null ? {} : { code: request.code }),
      });
      for (const letter of letters)
        io.out(request.json ? JSON.stringify(listed(letter)) : line(letter));
      if (!request.json) io.err(`${letters.length} dead letter(s), newest first`);
      return 0;
    }
    const ids = request.select === 'all' ? await deadLetters.pendingIds() : request.select.ids;
    const outcomes = await deadLetters.replay(ids);
    for (const outcome of outcomes)
      io.out(request.json ? JSON.stringify(outcome) : describeOutcome(outcome));
    const stored = outcomes.filter((o) => o.outcome === 'replayed').length;
    io.err(`${stored} of ${outcomes.length} dead letter(s) stored by this replay`);
    const status = outcomes.every(resolved) ? 0 : 1;
    const command =
      request.select === 'all'
        ? 'cx deadletters replay --all'
        : `cx deadletters replay --id ${ids.join(' --id ')}`.slice(0, 500);
    await auditCli(pool, 'deadletters.replay', command, null, status);
    return status;
  } finally {
    await Promise.all([pool.end(), keyPool.end()]);
  }
}
