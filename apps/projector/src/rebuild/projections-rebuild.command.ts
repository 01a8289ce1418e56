import { createPgPool } from '@cx/platform';
import {
  migrateDatabase,
  rebuildProjections,
  type Projection,
  type RebuildResult,
} from '@cx/read-models';

export interface ProjectionsRebuildOptions {
  readonly databaseUrl: string;
  /** Every registered projection. */
  readonly projections: readonly Projection[];
  /** The ones to rebuild; all when empty. */
  readonly names: readonly string[];
  readonly errors: NodeJS.WritableStream;
}

export class UnknownProjectionError extends Error {
  constructor(name: string, known: readonly string[]) {
    super(`no projection named '${name}'; known: ${known.join(', ')}`);
  }
}

/** Picks the named projections (all when none is named), refusing unknown names. */
export function selectProjections(
  projections: readonly Projection[],
  names: readonly string[],
): Projection[] {
  if (names.length === 0) return [...projections];
  const known = projections.map((p) => p.name);
  return names.map((name) => {
    const found = projections.find((p) => p.name === name);
    if (found === undefined) throw new UnknownProjectionError(name, known);
    return found;
  });
}

/** `cx projections rebuild [NAME…]`: read models again from the event store, switched over live. */
export async function runProjectionsRebuild(
  options: ProjectionsRebuildOptions,
): Promise<RebuildResult> {
  const selected = selectProjections(options.projections, options.names);
  await migrateDatabase(options.databaseUrl);
  const say = (line: string): void => {
    options.errors.write(`cx projections rebuild: ${line}\n`);
  };
  // A lost connection fails the rebuild with its error (the old tables stay), not the process;
  // its log lines go where the progress goes, never into the JSON summary on standard output.
  const pool = createPgPool({
    connectionString: options.databaseUrl,
    max: 2,
    logger: { warn: say, log: say },
  });
  try {
    return await rebuildProjections(pool, options.projections, selected, {
      onProgress: say,
    });
  } finally {
    await pool.end();
  }
}
