// The API's shapes as shared/design/api.md defines them. Fields the backend adds later
// (status, variants, placeholder, trash dates) are optional: the gallery must work before and after.

export type ImageStatus = 'processing' | 'ready' | 'failed';

export interface Variant {
  url: string;
  width: number;
  height: number;
  content_type: string;
}

export interface Image {
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
  thumbnail_url?: string | null;
  status?: ImageStatus;
  status_reason?: string | null;
  variants?: { thumb: Variant; display: Variant } | null;
  placeholder?: string | null;
  checksum?: string;
  deleted_at?: string | null;
  purge_at?: string | null;
}

export interface ImageList {
  images: Image[];
  total_count: number;
  next_page_token: string | null;
  has_more: boolean;
}

export interface ErrorBody {
  error: string;
  message: string;
  details?: Record<string, string | number | boolean | null>;
  request_id?: string;
}

/** The answer of POST /uploads: a presigned form to send the file straight to storage. */
export interface DirectUploadStart {
  upload_id: string;
  upload: { url: string; fields: Record<string, string>; file_field?: string };
  expires_at: string;
  complete_url: string;
}

export interface UploadAnswer {
  message: string;
  image_id: string;
  image: Image;
}
