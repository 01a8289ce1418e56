import { parseArgs } from 'node:util';
import { DEAD_LETTER_CODES, isDeadLetterCode, type DeadLetterCode } from '@cx/contracts';

export const DEFAULT_LIST_LIMIT = 50;
const MAX_LIST_LIMIT = 10_000;

export type DeadlettersRequest =
  | {
      readonly action: 'list';
      readonly limit: number;
      readonly code: DeadLetterCode | null;
      readonly json: boolean;
    }
  | {
      readonly action: 'replay';
      /** The ids to replay, or every dead letter not replayed yet. */
      readonly select: { readonly ids: readonly string[] } | 'all';
      readonly json: boolean;
    };

export type ParsedDeadlettersArgs =
  | { readonly ok: true; readonly request: DeadlettersRequest }
  | { readonly ok: false; readonly error: string };

const ID = /^[1-9]\d{0,18}$/;

function fail(error: string): ParsedDeadlettersArgs {
  return { ok: false, error };
}

/** `cx deadletters list [--limit N] [--code C] [--json]` and `replay [--id ID …] [--all] [--json]`. */
export function parseDeadlettersArgs(args: readonly string[]): ParsedDeadlettersArgs {
  const [action, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        limit: { type: 'string' },
        code: { type: 'string' },
        json: { type: 'boolean', default: false },
        id: { type: 'string', multiple: true },
        all: { type: 'boolean', default: false },
      },
      allowPositionals: false,
      strict: true,
    });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  const { values } = parsed;
  const json = values.json ?? false;
  switch (action) {
    case 'list': {
      if (values.id !== undefined || values.all === true)
        return fail('deadletters list takes --limit, --code and --json only');
      const limit = values.limit === undefined ? DEFAULT_LIST_LIMIT : Number(values.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT)
        return fail(`--limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`);
      const code = values.code ?? null;
      if (code !== null && !isDeadLetterCode(code))
        return fail(`--code must be one of ${DEAD_LETTER_CODES.join(', ')}`);
      return { ok: true, request: { action, limit, code, json } };
    }
    case 'replay': {
      if (values.limit !== undefined || values.code !== undefined)
        return fail('deadletters replay takes --id, --all and --json only');
      const ids = values.id ?? [];
      const all = values.all ?? false;
      if (all === ids.length > 0) return fail('deadletters replay needs --id ID … or --all');
      const bad = ids.find((id) => !ID.test(id));
      if (bad !== undefined) return fail(`--id must be a dead letter's id (a number), not ${bad}`);
      return {
        ok: true,
        request: { action, select: all ? 'all' : { ids: [...new Set(ids)] }, json },
      };
    }
    case undefined:
    default:
      return fail('deadletters takes the subcommand list or replay');
  }
}
