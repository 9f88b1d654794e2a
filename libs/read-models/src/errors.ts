/** The read models have not yet applied a position the client asked for (API: 503 + Retry-After). */
export class ReadModelsBehindError extends Error {
  readonly code = 'READ_MODELS_BEHIND';
  constructor(
    readonly requested: bigint,
    readonly checkpoint: bigint,
    readonly retryAfterSeconds = 1,
  ) {
    super(`read models are at position ${checkpoint}, behind the requested ${requested}`);
  }
}

/** The projector met a position that does not follow its checkpoint: applying it would skip events. */
export class ProjectionGapError extends Error {
  readonly code = 'PROJECTION_GAP';
  constructor(
    readonly checkpoint: bigint,
    readonly next: bigint,
  ) {
    super(`read models at ${checkpoint} were handed position ${next}`);
  }
}
