#!/usr/bin/env node
import 'reflect-metadata';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  DEFAULT_JOURNEY_DEFINITION,
  parseJourneyDefinition,
  type JourneyDefinition,
} from '@cx/domain';
import { runDerive } from './derive/derive.command';
import { runGenerate } from './generate/generate.command';
import { logToStderr } from './stderr-logger';
import { delegateToProjector } from './projections/delegate-to-projector';

const USAGE = `cx — the cx-journey command line

  cx derive [--definition FILE] [--history] [FILE]
      Reads touchpoints as JSON lines (FILE or standard input), derives every customer's profile
      (lifecycle stage, emotion, loyalty) and prints one JSON line per customer, sorted by customerId.
      Invalid lines are reported on standard error with their number and skipped; the exit status
      is 1 if any line was invalid. --definition applies a journey definition (JSON, any subset of
      the thresholds) over the defaults; --history adds each customer's stage history.

  cx generate --customers N --touchpoints M [--seed S] [--shuffle] [--duplicates SHARE] [--out FILE]
      Writes synthetic journeys as JSON lines, reproducible from the seed.

  cx projections rebuild [NAME…] [--database-url URL]
      Rebuilds the named read models (all when none is named; customer-profiles is the profile and
      stage history) from the event store into fresh tables and switches over without a gap in
      reads. DATABASE_URL is used when no URL is given. Prints a JSON summary.

  cx keys create --name NAME --scopes SCOPE[,SCOPE…] [--expires INSTANT]
  cx keys list
  cx keys revoke KEY_ID
  cx keys rotate KEY_ID [--grace SECONDS]
      API keys of the database of DATABASE_URL. create and rotate print the new key alone on the
      last line of standard output; only its digest is stored. Scopes: touchpoints:write,
      customers:read, personal:read, analytics:read, metrics:read, admin.

  cx customers erase CUSTOMER_ID
  cx customers readmit CUSTOMER_ID
      Erases a customer's personal data (their key is destroyed: every sealed copy, in the event
      store, its dumps, the topics and the dead letters, becomes unreadable) and prints the receipt
      as JSON; later touchpoints of theirs are refused until readmit. Uses DATABASE_URL and
      CX_KEYSTORE_URL (default: the event store's database name with _keys).

  cx deadletters list [--limit N] [--code CODE] [--json]
  cx deadletters replay (--id ID … | --all) [--json]
      Messages of cx.touchpoints.inbound.v1 that ingestion did not store, newest first, with their
      code (invalid_json, invalid_touchpoint, payload_too_large, missing_key, key_mismatch,
      invalid_cloudevent, duplicate, conflict, customer_erased), reason and origin (default limit
      50). replay sends the selected ones (--all: every one not replayed yet) through the same
      validation and append again: stored ones are marked replayed with their position, refused
      ones keep their state and the new reason is printed; replaying a replayed one does nothing.
      Exit status 1 when one is still not stored. Uses DATABASE_URL and CX_KEYSTORE_URL.
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'derive':
      return derive(rest);
    case 'generate':
      return generate(rest);
    case 'projections':
      return projections(rest);
    case 'keys':
      return keys(rest);
    case 'customers':
      return customers(rest);
    case 'deadletters':
      return deadletters(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`cx: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

async function derive(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { definition: { type: 'string' }, history: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  if (positionals.length > 1) return usageError('derive takes at most one input file');
  const definition = values.definition
    ? loadDefinition(values.definition)
    : DEFAULT_JOURNEY_DEFINITION;
  if (definition === null) return 2;
  const file = positionals[0];
  const summary = await runDerive({
    input: file === undefined || file === '-' ? process.stdin : createReadStream(file),
    output: process.stdout,
    errors: process.stderr,
    definition,
    withHistory: values.history ?? false,
    now: new Date(),
  });
  if (summary.invalid > 0) {
    process.stderr.write(
      `cx derive: ${summary.invalid} of ${summary.lines} lines were invalid and skipped\n`,
    );
    return 1;
  }
  return 0;
}

function loadDefinition(file: string): JourneyDefinition | null {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    process.stderr.write(`cx: cannot read the journey definition ${file}: ${String(error)}\n`);
    return null;
  }
  const parsed = parseJourneyDefinition(raw);
  if (parsed.ok) return parsed.definition;
  for (const e of parsed.errors)
    process.stderr.write(`cx: journey definition ${e.path}: ${e.message}\n`);
  return null;
}

async function generate(args: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      customers: { type: 'string' },
      touchpoints: { type: 'string' },
      seed: { type: 'string', default: '1' },
      shuffle: { type: 'boolean', default: false },
      duplicates: { type: 'string', default: '0' },
      out: { type: 'string' },
    },
  });
  const customers = Number(values.customers);
  const touchpoints = Number(values.touchpoints);
  const seed = Number(values.seed);
  const duplicates = Number(values.duplicates);
  if (!Number.isInteger(customers) || customers < 1)
    return usageError('--customers must be a whole number ≥ 1');
  if (!Number.isInteger(touchpoints) || touchpoints < customers)
    return usageError('--touchpoints must be a whole number ≥ --customers');
  if (!Number.isInteger(seed)) return usageError('--seed must be a whole number');
  if (!(duplicates >= 0 && duplicates <= 1))
    return usageError('--duplicates must be between 0 and 1');
  const output = values.out ? createWriteStream(values.out) : process.stdout;
  await runGenerate({
    customers,
    touchpoints,
    seed,
    duplicates,
    shuffle: values.shuffle ?? false,
    output,
  });
  if (output !== process.stdout) await new Promise<void>((resolve) => output.end(resolve));
  return 0;
}

function projections(args: readonly string[]): Promise<number> {
  if (args[0] !== 'rebuild')
    return Promise.resolve(usageError('projections takes the subcommand rebuild'));
  return delegateToProjector(args);
}

async function keys(args: readonly string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      scopes: { type: 'string' },
      expires: { type: 'string' },
      grace: { type: 'string', default: '0' },
    },
    allowPositionals: true,
  });
  const io = {
    out: (line: string): void => void process.stdout.write(`${line}\n`),
    err: (line: string): void => void process.stderr.write(`${line}\n`),
  };
  logToStderr();
  // Loaded on demand: the other commands need neither the database nor the service libraries.
  const { DEFAULT_DATABASE_URL, runKeys } = await import('./keys/keys.command');
  const url = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  switch (action) {
    case 'create':
      if (values.name === undefined || values.name.trim() === '')
        return usageError('keys create needs --name');
      if (values.scopes === undefined) return usageError('keys create needs --scopes');
      return runKeys(
        {
          action,
          name: values.name,
          scopes: values.scopes,
          ...(values.expires === undefined ? {} : { expires: values.expires }),
        },
        url,
        io,
      );
    case 'list':
      return runKeys({ action }, url, io);
    case 'revoke':
    case 'rotate': {
      const keyId = positionals[0];
      if (keyId === undefined || positionals.length > 1)
        return usageError(`keys ${action} takes one KEY_ID`);
      if (action === 'revoke') return runKeys({ action, keyId }, url, io);
      const graceSeconds = Number(values.grace);
      if (!Number.isInteger(graceSeconds) || graceSeconds < 0)
        return usageError('--grace must be a whole number of seconds');
      return runKeys({ action, keyId, graceSeconds }, url, io);
    }
    case undefined:
    default:
      return usageError('keys takes the subcommand create, list, revoke or rotate');
  }
}

async function customers(args: readonly string[]): Promise<number> {
  const [action, customerId, ...extra] = args;
  if ((action !== 'erase' && action !== 'readmit') || customerId === undefined || extra.length > 0)
    return usageError('customers takes erase CUSTOMER_ID or readmit CUSTOMER_ID');
  const io = {
    out: (line: string): void => void process.stdout.write(`${line}\n`),
    err: (line: string): void => void process.stderr.write(`${line}\n`),
  };
  logToStderr();
  const { runCustomers } = await import('./customers/customers.command');
  const { DEFAULT_DATABASE_URL } = await import('./keys/keys.command');
  const { operator } = await import('./cli-audit');
  const by = `${operator()} (cx command line)`;
  return runCustomers({ action, customerId, by }, process.env, DEFAULT_DATABASE_URL, io);
}

async function deadletters(args: readonly string[]): Promise<number> {
  const { parseDeadlettersArgs } = await import('./deadletters/deadletters.args');
  const parsed = parseDeadlettersArgs(args);
  if (!parsed.ok) return usageError(parsed.error);
  const io = {
    out: (line: string): void => void process.stdout.write(`${line}\n`),
    err: (line: string): void => void process.stderr.write(`${line}\n`),
  };
  logToStderr();
  const { runDeadletters } = await import('./deadletters/deadletters.command');
  const { DEFAULT_DATABASE_URL } = await import('./keys/keys.command');
  return runDeadletters(parsed.request, process.env, DEFAULT_DATABASE_URL, io);
}

function usageError(message: string): number {
  process.stderr.write(`cx: ${message}\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `cx: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
