/** What could be read from a file's structure; the probe never decodes pixels. */
export interface ProbedFile {
  /** Detected from magic bytes; undefined when the bytes match no known format. */
  contentType: string | undefined;
  /** As stored, before the orientation is applied; undefined when the header could not be read (truncated or corrupt). */
  width?: number;
  height?: number;
  /** The EXIF orientation, 1 to 8 (1: as stored). */
  orientation?: number;
  /** Frames of an animation; 1 for a still image. */
  frames?: number;
  /**
   * Why the file contradicts itself (a second frame header, a frame outside the canvas...): a
   * decoder could read another image than the header declares, so it must not be accepted.
   */
  inconsistency?: string;
}

export interface ImageProbe {
  /** Never throws for bad input and finishes in time linear in its size: it reports what it could read. */
  probe(bytes: Uint8Array): Promise<ProbedFile>;
}
