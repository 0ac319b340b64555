// ThumbHash placeholders: a few dozen bytes per image, decoded here into a tiny PNG data URL that
// the grid shows, blurred by scaling, until the thumbnail arrives. Decoding is cheap, but a grid
// re-renders often, so each hash is decoded once.
import { thumbHashToDataURL } from 'thumbhash';

const decoded = new Map<string, string | null>();

export function placeholderUrl(hash: string | null | undefined): string | null {
  if (hash === null || hash === undefined || hash === '') return null;
  let url = decoded.get(hash);
  if (url === undefined) {
    try {
      const bytes = Uint8Array.from(atob(hash), (char) => char.charCodeAt(0));
      url = thumbHashToDataURL(bytes);
    } catch {
      // A malformed hash costs the blur, nothing else.
      url = null;
    }
    decoded.set(hash, url);
  }
  return url;
}
