/**
 * The schema, as the steps that build it; `PRAGMA user_version` counts the steps applied, so a
 * database from any earlier release is brought forward at start-up. Never edit a step that has
 * shipped: add one.
 *
 * Images are kept as JSON documents (the domain's Image) beside the columns that indexes need.
 * Every listing is a range scan of one of these indexes, newest first, resumed below the last
 * sort key (`{created_at}#{id}`, the domain's `sortKey`); the partial indexes leave deleted
 * images out, so a listing never reads one.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;

  CREATE TABLE images (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    deleted_at TEXT,
    doc TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX images_by_time ON images (sort_key) WHERE deleted_at IS NULL;
  CREATE INDEX images_by_owner ON images (owner_id, sort_key) WHERE deleted_at IS NULL;

  -- One row per tag of a live image, written in the image's own transaction.
  CREATE TABLE image_tags (
    tag TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    image_id TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    PRIMARY KEY (tag, sort_key)
  ) WITHOUT ROWID;
  CREATE INDEX image_tags_by_owner ON image_tags (owner_id, tag, sort_key);

  CREATE TABLE pending_uploads (id TEXT PRIMARY KEY, expires_at TEXT NOT NULL, doc TEXT NOT NULL) WITHOUT ROWID;
  CREATE INDEX pending_uploads_by_expiry ON pending_uploads (expires_at, id);

  -- What the file store keeps beside each file: its type, display name, size and validator.
  CREATE TABLE blobs (
    key TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    file_name TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL
  ) WITHOUT ROWID;
  `,
  // The image pipeline: images wait in this index while their variants are made.
  `
  ALTER TABLE images ADD COLUMN processing INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX images_processing ON images (sort_key) WHERE processing = 1 AND deleted_at IS NULL;
  `,
  // The lifecycle: the trash (newest deletion first), erasure when the purge time comes, lookups by
  // checksum, erasure requests and idempotency records. Images deleted before the trash existed get
  // the default 30 days from their deletion.
  `
  ALTER TABLE images ADD COLUMN purge_at TEXT;
  ALTER TABLE images ADD COLUMN trash_key TEXT;
  ALTER TABLE images ADD COLUMN checksum TEXT;
  UPDATE images SET checksum = json_extract(doc, '$.checksum');
  UPDATE images SET purge_at = strftime('%Y-%m-%dT%H:%M:%fZ', deleted_at, '+30 days'), trash_key = deleted_at || '#' || id WHERE deleted_at IS NOT NULL;
  UPDATE images SET doc = json_set(doc, '$.purgeAt', purge_at) WHERE purge_at IS NOT NULL;
  CREATE INDEX images_trash ON images (owner_id, trash_key) WHERE trash_key IS NOT NULL;
  CREATE INDEX images_purge ON images (purge_at) WHERE purge_at IS NOT NULL;
  CREATE INDEX images_by_checksum ON images (owner_id, checksum, sort_key) WHERE deleted_at IS NULL;

  CREATE TABLE erasures (owner_id TEXT PRIMARY KEY, requested_at TEXT NOT NULL, finished_at TEXT, doc TEXT NOT NULL) WITHOUT ROWID;
  CREATE INDEX erasures_open ON erasures (requested_at) WHERE finished_at IS NULL;

  CREATE TABLE idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    answer TEXT,
    locked_until TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (scope, key)
  ) WITHOUT ROWID;
  CREATE INDEX idempotency_by_expiry ON idempotency (expires_at);
  `,
];
