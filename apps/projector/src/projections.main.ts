#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { consentPolicyOf } from './projections/consent-policy';
import { projections } from './projections/projection-registry';
import {
  runProjectionsRebuild,
  UnknownProjectionError,
} from './rebuild/projections-rebuild.command';

const NAMES = projections(consentPolicyOf(undefined))
  .map((p) => p.name)
  .join(', ');

const USAGE = `cx projections rebuild [NAME…] [--database-url URL]
    Rebuilds the named read models (all when none is named) from the event store into fresh tables
    and switches over without a gap in reads. Projections: ${NAMES}.
    DATABASE_URL is used when no URL is given; CX_OPT_IN_PURPOSES as the projector has it. Prints a JSON summary.
`;

/** The projector's own commands, run by `cx projections …`. */
async function main(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'rebuild') {
    process.stderr.write(`cx projections: unknown subcommand '${sub ?? ''}'\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parseArgs({
    args: [...rest],
    options: { 'database-url': { type: 'string' } },
    allowPositionals: true,
  });
  const databaseUrl = values['database-url'] ?? process.env.DATABASE_URL;
  if (!databaseUrl) {
    process.stderr.write(
      `cx projections: rebuild needs --database-url or DATABASE_URL\n\n${USAGE}`,
    );
    return 2;
  }
  try {
    const result = await runProjectionsRebuild({
      databaseUrl,
      projections: projections(consentPolicyOf(process.env.CX_OPT_IN_PURPOSES)),
      names: positionals,
      errors: process.stderr,
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UnknownProjectionError) {
      process.stderr.write(`cx projections: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `cx projections: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
