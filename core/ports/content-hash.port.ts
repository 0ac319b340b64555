/** A digest of bytes, which the domain cannot compute itself without a platform library. */
export interface ContentHash {
  /** The SHA-256 of `bytes`, in lower-case hex. */
  sha256(bytes: Uint8Array): string;
}
