import { BackgroundOffsetCommits, type CommittedOffset } from './background-offset-commits';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('BackgroundOffsetCommits', () => {
  it('returns at once while a commit hangs, and then commits only the latest offset per partition', async () => {
    const calls: CommittedOffset[][] = [];
    const first = deferred();
    const commits = new BackgroundOffsetCommits(
      (offsets) => {
        calls.push(offsets);
        return calls.length === 1 ? first.promise : Promise.resolve();
      },
      () => undefined,
    );
    commits.offer({ topic: 't', partition: 0, offset: '10' });
    commits.offer({ topic: 't', partition: 0, offset: '20' });
    commits.offer({ topic: 't', partition: 1, offset: '5' });
    commits.offer({ topic: 't', partition: 0, offset: '30' });
    expect(calls).toEqual([[{ topic: 't', partition: 0, offset: '10' }]]);

    first.resolve();
    await commits.settled();
    expect(calls).toEqual([
      [{ topic: 't', partition: 0, offset: '10' }],
      [
        { topic: 't', partition: 0, offset: '30' },
        { topic: 't', partition: 1, offset: '5' },
      ],
    ]);
  });

  it('reports a failed commit and goes on with the next offsets', async () => {
    const errors: unknown[] = [];
    const committed: string[] = [];
    let fail = true;
    const commits = new BackgroundOffsetCommits(
      (offsets) => {
        if (fail) {
          fail = false;
          return Promise.reject(new Error('not the coordinator'));
        }
        committed.push(...offsets.map((o) => o.offset));
        return Promise.resolve();
      },
      (error) => errors.push(error),
    );
    commits.offer({ topic: 't', partition: 0, offset: '1' });
    await commits.settled();
    commits.offer({ topic: 't', partition: 0, offset: '2' });
    await commits.settled();
    expect(errors).toHaveLength(1);
    expect(committed).toEqual(['2']);
  });
});
