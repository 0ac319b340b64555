/** What could be read from a file's leading bytes; the probe never decodes pixels. */
export interface ProbedFile {
  /** Detected from magic bytes; undefined when the bytes match no known format. */
  contentType: string | undefined;
  /** Undefined when the header could not be read (truncated or corrupt). */
  width?: number;
  height?: number;
}

export interface ImageProbe {
  /** Never throws for bad input and finishes in bounded time: it reports what it could read. */
  probe(bytes: Uint8Array): Promise<ProbedFile>;
}
