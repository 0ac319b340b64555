/** A user's request to erase all their images, which may take longer than one HTTP request. */
export interface ErasureRequest {
  ownerId: string;
  requestedAt: string;
  /** Images erased so far. */
  erased: number;
  /** Set once nothing of the owner's from before `requestedAt` is left. */
  finishedAt?: string;
}

/** Where erasure requests wait while the work goes on in the background. */
export interface ErasureRequests {
  /**
   * Records a request, or returns the unfinished one already recorded (a repeat does not start over).
   * @throws DomainError `unavailable`
   */
  open(ownerId: string, at: string): Promise<ErasureRequest>;

  /** The owner's latest request, finished or not. @throws DomainError `unavailable` */
  get(ownerId: string): Promise<ErasureRequest | undefined>;

  /** Saves progress (`erased`, and `finishedAt` when done). @throws DomainError `unavailable` */
  save(request: ErasureRequest): Promise<void>;

  /** Unfinished requests, oldest first, at most `limit`: the background work. @throws DomainError `unavailable` */
  listOpen(limit: number): Promise<ErasureRequest[]>;
}
