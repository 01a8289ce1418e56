import { Pool } from 'pg';
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
  const pool = new Pool({ connectionString: options.databaseUrl, max: 2 });
  try {
    return await rebuildProjections(pool, options.projections, selected, {
      onProgress: (line) => options.errors.write(`cx projections rebuild: ${line}\n`),
    });
  } finally {
    await pool.end();
  }
}
