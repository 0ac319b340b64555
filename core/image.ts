export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp';

/** An image as the domain knows it; timestamps are ISO 8601 UTC strings with milliseconds. */
export interface Image {
  id: string;
  ownerId: string;
  title: string | null;
  description: string | null;
  tags: string[];
  fileName: string;
  fileSize: number;
  contentType: string;
  format: ImageFormat;
  width: number;
  height: number;
  storageKey: string;
  createdAt: string;
  updatedAt: string;
  deletedAt?: string;
}

/**
 * Every listing is ordered by this key, newest first. The id breaks ties between images
 * created in the same millisecond, so a page token can name one exact position.
 */
export const sortKey = (image: Pick<Image, 'createdAt' | 'id'>): string => `${image.createdAt}#${image.id}`;

export const isDeleted = (image: Image): boolean => image.deletedAt !== undefined;
