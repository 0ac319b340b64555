// The grid of thumbnails. Every tile is a square whose size CSS fixes before anything loads, and
// every <img> has its width and height, so nothing moves when the pictures arrive; the ThumbHash
// placeholder sits underneath until then. Reaching the end fetches the next page.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { placeholderUrl } from './placeholder.ts';
import { forgetPreview, previewOf } from './previews.ts';
import type { Image } from './types.ts';

interface Source {
  url: string;
  width: number;
  height: number;
}

/** For the lightbox, before the variants exist: the file itself if it was just sent from this page, else the original. */
function unprocessedSource(image: Image): Source | null {
  const url = (image.status === 'processing' ? previewOf(image.image_id) : undefined) ?? image.download_url;
  return url === null ? null : { url, width: image.width, height: image.height };
}

/**
 * What a tile loads: the 400x400 thumbnail once it exists. Before (processing) or without one
 * (failed), only the file itself if it was just sent from this page: never the original, which
 * can weigh 10 MB; the tile shows its state instead, and the thumbnail when it comes.
 */
export function thumbSource(image: Image): Source | null {
  if (image.variants?.thumb !== undefined) return image.variants.thumb;
  if (typeof image.thumbnail_url === 'string') return { url: image.thumbnail_url, width: 400, height: 400 };
  const preview = previewOf(image.image_id);
  return preview === undefined ? null : { url: preview, width: image.width, height: image.height };
}

/** What the lightbox shows: the display variant (at most 1080x1350) once it exists. */
export function displaySource(image: Image): Source | null {
  return image.variants?.display ?? unprocessedSource(image);
}

export const altOf = (image: Image): string => image.title ?? `Untitled photo ${image.file_name}`;

function Tile({ image, onOpen }: { image: Image; onOpen(id: string): void }) {
  const source = thumbSource(image);
  const placeholder = placeholderUrl(image.placeholder);
  // Which URL has loaded: when a thumbnail replaces a preview, the placeholder shows until it arrives.
  const [loadedUrl, setLoadedUrl] = useState<string | null>(null);
  const loaded = source !== null && loadedUrl === source.url;
  const ready = image.variants?.thumb !== undefined || typeof image.thumbnail_url === 'string';
  useEffect(() => {
    if (ready && loaded) forgetPreview(image.image_id);
  }, [ready, loaded, image.image_id]);
  return html`
    <li class="tile" data-image-id=${image.image_id}>
      <button type="button" class="tile-button" onClick=${() => onOpen(image.image_id)}>
        ${placeholder !== null && !loaded ? html`<img class="tile-placeholder" src=${placeholder} alt="" aria-hidden="true" width="32" height="32" />` : null}
        ${source !== null
          ? html`<img
              key=${source.url}
              class=${`tile-image${loaded ? ' is-loaded' : ''}`}
              src=${source.url}
              width=${source.width}
              height=${source.height}
              alt=${altOf(image)}
              loading="lazy"
              decoding="async"
              onLoad=${() => setLoadedUrl(source.url)}
              onError=${() => setLoadedUrl(source.url)}
            />`
          : html`<span class="visually-hidden">${altOf(image)}</span>`}
        ${image.status === 'processing' ? html`<span class="tile-badge">Processing…</span>` : null}
        ${image.status === 'failed' ? html`<span class="tile-badge tile-badge-failed">No preview</span>` : null}
      </button>
    </li>
  `;
}

export interface GridProps {
  images: Image[];
  hasMore: boolean;
  loading: boolean;
  onOpen(id: string): void;
  onMore(): void;
}

export function Grid({ images, hasMore, loading, onOpen, onMore }: GridProps) {
  const sentinel = useRef<HTMLDivElement>(null);
  const more = useRef(onMore);
  more.current = onMore;
  // Fetch a screen ahead, so scrolling rarely waits.
  const AHEAD = 800;
  const nearEnd = (): boolean => {
    const element = sentinel.current;
    return element !== null && element.getBoundingClientRect().top < innerHeight + AHEAD;
  };

  useEffect(() => {
    const element = sentinel.current;
    if (element === null) return;
    const observer = new IntersectionObserver((entries) => entries.some((entry) => entry.isIntersecting) && more.current(), { rootMargin: `0px 0px ${AHEAD}px 0px` });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // A page that did not push the end out of reach fires no new intersection: keep going by hand,
  // measuring now rather than trusting the observer's last word, which lags a frame behind.
  useEffect(() => {
    if (hasMore && !loading && nearEnd()) more.current();
  }, [images.length, hasMore, loading]);

  return html`
    <ul class="grid" aria-label="Photos">
      ${images.map((image) => html`<${Tile} key=${image.image_id} image=${image} onOpen=${onOpen} />`)}
    </ul>
    <div ref=${sentinel} class="grid-end">
      ${hasMore ? html`<button type="button" class="button" onClick=${onMore} disabled=${loading}>${loading ? 'Loading…' : 'Load more photos'}</button>` : null}
    </div>
  `;
}
