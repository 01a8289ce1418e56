import { DEFAULT_LIST_LIMIT, parseDeadlettersArgs } from './deadletters.args';

function errorOf(args: readonly string[]): string {
  const parsed = parseDeadlettersArgs(args);
  return parsed.ok ? '' : parsed.error;
}

describe('cx deadletters arguments', () => {
  it('lists the newest by default, as text', () => {
    expect(parseDeadlettersArgs(['list'])).toEqual({
      ok: true,
      request: { action: 'list', limit: DEFAULT_LIST_LIMIT, code: null, json: false },
    });
  });

  it('lists with a limit, a code and JSON lines', () => {
    expect(
      parseDeadlettersArgs(['list', '--limit', '5', '--code', 'key_mismatch', '--json']),
    ).toEqual({
      ok: true,
      request: { action: 'list', limit: 5, code: 'key_mismatch', json: true },
    });
  });

  it.each([['0'], ['-1'], ['2.5'], ['ten'], ['10001']])('refuses --limit %s', (limit) => {
    expect(errorOf(['list', `--limit=${limit}`])).toMatch(/--limit must be a whole number/);
  });

  it('refuses a code it does not know, naming the known ones', () => {
    expect(errorOf(['list', '--code', 'broken'])).toMatch(
      /--code must be one of invalid_json, .*customer_erased/,
    );
  });

  it('replays the ids given, each once, or every pending one with --all', () => {
    expect(parseDeadlettersArgs(['replay', '--id', '7', '--id', '3', '--id', '7'])).toEqual({
      ok: true,
      request: { action: 'replay', select: { ids: ['7', '3'] }, json: false },
    });
    expect(parseDeadlettersArgs(['replay', '--all', '--json'])).toEqual({
      ok: true,
      request: { action: 'replay', select: 'all', json: true },
    });
  });

  it('needs exactly one of --id and --all to replay', () => {
    expect(errorOf(['replay'])).toMatch(/needs --id ID … or --all/);
    expect(errorOf(['replay', '--all', '--id', '1'])).toMatch(/needs --id ID … or --all/);
  });

  it.each([['0'], ['abc'], ['1e3'], ['-4']])('refuses --id %s', (id) => {
    expect(errorOf(['replay', `--id=${id}`])).toMatch(/--id must be a dead letter's id/);
  });

  it('refuses options of the other subcommand, unknown options and subcommands', () => {
    expect(errorOf(['list', '--all'])).toMatch(/list takes --limit, --code and --json only/);
    expect(errorOf(['replay', '--limit', '3', '--all'])).toMatch(/replay takes --id, --all/);
    expect(errorOf(['list', '--verbose'])).toMatch(/verbose/);
    expect(errorOf(['purge'])).toMatch(/subcommand list or replay/);
    expect(errorOf([])).toMatch(/subcommand list or replay/);
  });
});
