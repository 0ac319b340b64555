export interface IdGenerator {
  /** A new unique id of URL- and key-safe characters ([A-Za-z0-9_-]). */
  next(): string;
}
