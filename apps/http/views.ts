import type { Image, VariantName } from '../../core/image.ts';
import type { SignedImage } from '../../core/use-cases/image-urls.ts';

export interface VariantView {
  url: string;
  width: number;
  height: number;
  content_type: string;
}

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
  status: Image['status'];
  status_reason?: string;
  variants: Record<VariantName, VariantView> | null;
  placeholder: string | null;
  checksum: string;
  /** In trash listings only. */
  deleted_at?: string;
  purge_at?: string;
}

function variantsView(signed: SignedImage): ImageView['variants'] {
  const { variants } = signed.image;
  const { thumb, display } = signed.variantUrls;
  if (variants === undefined || thumb === undefined || display === undefined) return null;
  const view = (name: VariantName, url: string): VariantView => ({ url, width: variants[name].width, height: variants[name].height, content_type: variants[name].contentType });
  return { thumb: view('thumb', thumb), display: view('display', display) };
}

export function imageView(signed: SignedImage): ImageView {
  const { image } = signed;
  const variants = variantsView(signed);
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
    download_url: signed.downloadUrl,
    // The old service's field: the thumbnail once it exists.
    thumbnail_url: variants?.thumb.url ?? null,
    status: image.status,
    ...(image.statusReason === undefined ? {} : { status_reason: image.statusReason }),
    variants,
    placeholder: image.placeholder ?? null,
    checksum: image.checksum,
    ...(image.deletedAt === undefined ? {} : { deleted_at: image.deletedAt }),
    ...(image.purgeAt === undefined ? {} : { purge_at: image.purgeAt }),
  };
}
