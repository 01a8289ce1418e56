import { Pool } from 'pg';
import { runMigrations } from '@cx/persistence';
import {
  rebuildReadModels,
  type RebuildResult,
} from '@cx/persistence/projections/projection-rebuild';

export interface ProjectionsRebuildOptions {
  readonly databaseUrl: string;
  readonly errors: NodeJS.WritableStream;
}

/** `cx projections rebuild`: every read model again from the event store, switched over live. */
export async function runProjectionsRebuild(
  options: ProjectionsRebuildOptions,
): Promise<RebuildResult> {
  await runMigrations(options.databaseUrl);
  const pool = new Pool({ connectionString: options.databaseUrl, max: 2 });
  try {
    return await rebuildReadModels(pool, {
      onProgress: (line) => options.errors.write(`cx projections rebuild: ${line}\n`),
    });
  } finally {
    await pool.end();
  }
}
