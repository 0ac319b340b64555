import type { Image } from '../../core/image.ts';

let counter = 0;

/** A valid image record; tests override only what they are about. */
export function imageRecord(overrides: Partial<Image> = {}): Image {
  counter += 1;
  const id = overrides.id ?? `rec-${String(counter).padStart(6, '0')}`;
  const createdAt = overrides.createdAt ?? new Date(Date.UTC(2026, 0, 1) + counter * 1000).toISOString();
  return {
    id,
    ownerId: 'alice',
    title: 'A title',
    description: null,
    tags: [],
    fileName: 'photo.png',
    fileSize: 2048,
    contentType: 'image/png',
    format: 'png',
    width: 100,
    height: 80,
    storageKey: `images/${id}.png`,
    checksum: `sha256:${'0'.repeat(60)}${String(counter).padStart(4, '0')}`,
    status: 'ready',
    createdAt,
    updatedAt: createdAt,
    ...overrides,
  };
}
