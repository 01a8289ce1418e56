export interface GroupCommitOptions {
  /** A group takes queued requests until it holds this many items (a larger request goes alone). */
  readonly maxItems: number;
  /** Groups committing at once: while one commits, the next prepares. */
  readonly maxInFlight: number;
}

interface Pending<Item, Result> {
  readonly items: readonly Item[];
  readonly resolve: (results: Result[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit: requests that arrive while earlier ones are committing queue up, and the next free
 * slot commits all of them in one transaction, so the cost of a commit (a flush, the ordered
 * append lock) is paid once per group rather than once per request. Each request still succeeds
 * or fails as a whole: when a group fails, its requests are committed again one by one, so a bad
 * request fails alone and its neighbours are stored.
 */
export class GroupCommitter<Item, Result> {
  private readonly queue: Pending<Item, Result>[] = [];
  private inFlight = 0;

  constructor(
    /** Commits the items in one transaction; answers one result per item, in order. */
    private readonly commit: (items: readonly Item[]) => Promise<Result[]>,
    private readonly options: GroupCommitOptions,
  ) {}

  submit(items: readonly Item[]): Promise<Result[]> {
    return new Promise<Result[]>((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const group = this.takeGroup();
      this.inFlight += 1;
      void this.run(group).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private takeGroup(): Pending<Item, Result>[] {
    const group: Pending<Item, Result>[] = [];
    let size = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0] as Pending<Item, Result>;
      if (group.length > 0 && size + next.items.length > this.options.maxItems) break;
      group.push(next);
      size += next.items.length;
      this.queue.shift();
    }
    return group;
  }

  private async run(group: readonly Pending<Item, Result>[]): Promise<void> {
    if (group.length === 1) {
      const [only] = group as [Pending<Item, Result>];
      await this.commit(only.items).then(only.resolve, only.reject);
      return;
    }
    let results: Result[];
    try {
      results = await this.commit(group.flatMap((request) => request.items));
    } catch {
      // Nothing of the group was stored: each request again on its own, to fail alone if it must.
      for (const request of group)
        await this.commit(request.items).then(request.resolve, request.reject);
      return;
    }
    let offset = 0;
    for (const request of group) {
      request.resolve(results.slice(offset, offset + request.items.length));
      offset += request.items.length;
    }
  }
}
