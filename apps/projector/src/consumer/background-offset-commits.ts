export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * Commits the projector's offsets to Kafka for lag tooling without holding up the apply loop: the
 * database's offsets are the ones the projector trusts, so a commit that waits on a moving group
 * coordinator (seconds, after a broker loss) must not stop projection. One commit at a time; the
 * offsets offered meanwhile are coalesced to the latest per partition.
 */
export class BackgroundOffsetCommits {
  private readonly latest = new Map<string, CommittedOffset>();
  private draining: Promise<void> | null = null;

  constructor(
    private readonly commit: (offsets: CommittedOffset[]) => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  offer(offset: CommittedOffset): void {
    this.latest.set(`${offset.topic}\u0000${offset.partition}`, offset);
    this.draining ??= this.drain();
  }

  /** Resolves once nothing offered so far is still waiting or in flight. */
  settled(): Promise<void> {
    return this.draining ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    while (this.latest.size > 0) {
      const offsets = [...this.latest.values()];
      this.latest.clear();
      try {
        await this.commit(offsets);
      } catch (error) {
        this.onError(error);
      }
    }
    this.draining = null;
  }
}
