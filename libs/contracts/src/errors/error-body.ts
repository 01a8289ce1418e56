/** One problem with a request: where it is (dotted path, `''` for the whole body) and what is wrong. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

/** The body of every 4xx (and of the rare 5xx) answered by a cx-journey service. */
export interface ErrorBody {
  /** A short, stable, snake_case code such as `invalid_touchpoint` or `conflict`. */
  readonly error: string;
  readonly details: readonly ValidationIssue[];
}
