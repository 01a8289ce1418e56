/**
 * Sizes of one run. Quick: for CI, well under two minutes; full: for people, about 10–15. The
 * projector and rebuild stages have repetition counts of their own: each of their runs costs a
 * service boot or a whole rebuild.
 */
export interface Settings {
  readonly mode: 'quick' | 'full';
  /** Interleaved repetitions of each product/reference pair (medians are reported). */
  readonly reps: number;
  readonly ingest: {
    readonly batchRequests: number;
    readonly batchSize: number;
    readonly batchInFlight: number;
    readonly singleRequests: number;
    readonly singleInFlight: number;
  };
  readonly append: {
    readonly batches: number;
    readonly batchSize: number;
    readonly callers: readonly number[];
  };
  readonly relay: { readonly events: number; readonly batchSize: number };
  readonly projector: {
    readonly events: number;
    readonly customers: number;
    readonly reps: number;
  };
  readonly rebuild: { readonly events: number; readonly customers: number; readonly reps: number };
  readonly endToEnd: {
    readonly seconds: number;
    readonly batchSize: number;
    readonly inFlight: number;
    /** The customers the stream cycles through. */
    readonly customers: number;
  };
  readonly freshness: { readonly rates: readonly number[]; readonly seconds: number };
  readonly reads: {
    readonly customers: number;
    readonly requests: number;
    readonly clients: number;
  };
}

export const QUICK: Settings = {
  mode: 'quick',
  reps: 2,
  ingest: {
    batchRequests: 8,
    batchSize: 1000,
    batchInFlight: 4,
    singleRequests: 500,
    singleInFlight: 16,
  },
  append: { batches: 10, batchSize: 1000, callers: [4] },
  relay: { events: 10_000, batchSize: 1000 },
  projector: { events: 10_000, customers: 1_000, reps: 1 },
  rebuild: { events: 20_000, customers: 2_000, reps: 1 },
  endToEnd: { seconds: 6, batchSize: 1000, inFlight: 4, customers: 10_000 },
  freshness: { rates: [1000], seconds: 4 },
  reads: { customers: 50_000, requests: 2_000, clients: 8 },
};

export const FULL: Settings = {
  mode: 'full',
  reps: 3,
  ingest: {
    batchRequests: 30,
    batchSize: 1000,
    batchInFlight: 4,
    singleRequests: 3_000,
    singleInFlight: 16,
  },
  append: { batches: 40, batchSize: 1000, callers: [1, 4] },
  relay: { events: 100_000, batchSize: 1000 },
  projector: { events: 100_000, customers: 10_000, reps: 3 },
  rebuild: { events: 1_000_000, customers: 100_000, reps: 1 },
  endToEnd: { seconds: 30, batchSize: 1000, inFlight: 4, customers: 50_000 },
  freshness: { rates: [1000, 5000], seconds: 10 },
  reads: { customers: 1_000_000, requests: 10_000, clients: 8 },
};
