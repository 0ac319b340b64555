import type { Image } from '../../core/image.ts';

/** The image object of the API contract (snake_case, as the service it replaces). */
export interface ImageView {
  image_id: string;
  user_id: string;
  title: string | null;
  description: string | null;
  tags: string[];
  file_name: string;
  file_size: number;
  content_type: string;
  width: number;
  height: number;
  format: string;
  created_at: string;
  updated_at: string;
  download_url: string | null;
  thumbnail_url: string | null;
}

export function imageView(image: Image, downloadUrl: string | null): ImageView {
  return {
    image_id: image.id,
    user_id: image.ownerId,
    title: image.title,
    description: image.description,
    tags: image.tags,
    file_name: image.fileName,
    file_size: image.fileSize,
    content_type: image.contentType,
    width: image.width,
    height: image.height,
    format: image.format,
    created_at: image.createdAt,
    updated_at: image.updatedAt,
    download_url: downloadUrl,
    // Variants (thumbnails) do not exist yet; the field is kept so clients need no change later.
    thumbnail_url: null,
  };
}
