import { GroupCommitter } from './group-commit';

/** A commit that records each transaction's items and can be told to refuse some. */
function recorder(refuse: (item: string) => boolean = () => false): {
  commits: string[][];
  commit: (items: readonly string[]) => Promise<string[]>;
  release: () => void;
} {
  const commits: string[][] = [];
  let gate: () => void = () => undefined;
  let open = false;
  const opened = new Promise<void>((resolve) => {
    gate = () => {
      open = true;
      resolve();
    };
  });
  return {
    commits,
    release: () => gate(),
    commit: async (items) => {
      commits.push([...items]);
      if (!open) await opened;
      if (items.some(refuse)) throw new Error(`refused ${items.join(',')}`);
      return items.map((item) => `ok:${item}`);
    },
  };
}

describe('group commit', () => {
  it('commits requests queued behind a running commit together, answering each its own results', async () => {
    const db = recorder();
    const committer = new GroupCommitter(db.commit, { maxItems: 100, maxInFlight: 1 });
    const first = committer.submit(['a']);
    const queued = [committer.submit(['b', 'c']), committer.submit(['d']), committer.submit(['e'])];
    db.release();
    await expect(first).resolves.toEqual(['ok:a']);
    await expect(Promise.all(queued)).resolves.toEqual([['ok:b', 'ok:c'], ['ok:d'], ['ok:e']]);
    expect(db.commits).toEqual([['a'], ['b', 'c', 'd', 'e']]);
  });

  it('keeps a group within maxItems, never splitting a request', async () => {
    const db = recorder();
    const committer = new GroupCommitter(db.commit, { maxItems: 3, maxInFlight: 1 });
    const all = Promise.all([
      committer.submit(['a']),
      committer.submit(['b', 'c']),
      committer.submit(['d', 'e']),
      committer.submit(['f', 'g', 'h', 'i']),
    ]);
    db.release();
    await all;
    expect(db.commits).toEqual([['a'], ['b', 'c'], ['d', 'e'], ['f', 'g', 'h', 'i']]);
  });

  it('when a group fails, commits its requests alone so that only the bad one fails', async () => {
    const db = recorder((item) => item === 'bad');
    const committer = new GroupCommitter(db.commit, { maxItems: 100, maxInFlight: 1 });
    const first = committer.submit(['a']);
    const good = committer.submit(['b']);
    const bad = committer.submit(['bad', 'c']);
    const alsoGood = committer.submit(['d']);
    db.release();
    await first;
    await expect(good).resolves.toEqual(['ok:b']);
    await expect(bad).rejects.toThrow('refused bad,c');
    await expect(alsoGood).resolves.toEqual(['ok:d']);
    expect(db.commits).toEqual([['a'], ['b', 'bad', 'c', 'd'], ['b'], ['bad', 'c'], ['d']]);
  });

  it('runs up to maxInFlight groups at once', async () => {
    const db = recorder();
    const committer = new GroupCommitter(db.commit, { maxItems: 100, maxInFlight: 2 });
    const all = Promise.all([
      committer.submit(['a']),
      committer.submit(['b']),
      committer.submit(['c']),
    ]);
    await Promise.resolve();
    expect(db.commits).toEqual([['a'], ['b']]);
    db.release();
    await all;
    expect(db.commits).toEqual([['a'], ['b'], ['c']]);
  });
});
