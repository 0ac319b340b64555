// Photos uploaded from this page are shown from the file itself (a blob: URL) while the service
// is still making their thumbnails: the person sees their photo at once, and the browser does not
// download again the original it has just sent.
const previews = new Map<string, string>();

export function rememberPreview(imageId: string, file: Blob): void {
  if (!previews.has(imageId)) previews.set(imageId, URL.createObjectURL(file));
}

export const previewOf = (imageId: string): string | undefined => previews.get(imageId);

/** Once the thumbnail is there, the file can be let go. */
export function forgetPreview(imageId: string): void {
  const url = previews.get(imageId);
  if (url === undefined) return;
  previews.delete(imageId);
  URL.revokeObjectURL(url);
}
