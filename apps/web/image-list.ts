// The photos of the current view: pages fetched by following next_page_token, new uploads
// slotted in newest first, and photos still processing asked about again until they are ready.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { getImage } from './api.ts';
import type { Image, ImageList } from './types.ts';

export interface ListState {
  images: Image[];
  nextToken: string | null;
  loading: boolean;
  /** The error of the last page request, if it failed. */
  error: unknown;
  /** The first page has been answered. */
  loaded: boolean;
}

const EMPTY: ListState = { images: [], nextToken: null, loading: false, error: null, loaded: false };

/** The API's order: newest first, the id breaking ties. */
export const newestFirst = (a: Image, b: Image): number =>
  a.created_at === b.created_at ? (a.image_id < b.image_id ? 1 : a.image_id > b.image_id ? -1 : 0) : a.created_at < b.created_at ? 1 : -1;

const POLL_MS = 2000;

const pathOf = (url: string): string => new URL(url, location.href).pathname;

/**
 * A newer version of a photo the list shows (an edit's answer, a poll's). Every answer signs its
 * URLs afresh, so the same thumbnail comes back under a new URL: the tile keeps the one it has
 * loaded, rather than fetching the same picture again and blurring in the meantime.
 */
function newerVersion(known: Image, image: Image): Image {
  // An answer without URLs keeps the ones already shown.
  const merged = { ...image, download_url: image.download_url ?? known.download_url };
  const shown = known.variants?.thumb;
  const variants = image.variants;
  if (shown === undefined || variants === undefined || variants === null || pathOf(shown.url) !== pathOf(variants.thumb.url)) return merged;
  return { ...merged, variants: { ...variants, thumb: shown }, thumbnail_url: shown.url };
}

/**
 * `fetchPage` is called with null for the first page. `key` names the query: when it changes,
 * the list starts again, and answers to an older query are dropped. With `poll`, photos still
 * processing are asked about until they are done; the trash does not ask, as a deleted photo
 * is not found by GET /images/{id}.
 */
export function useImageList(key: string, fetchPage: (token: string | null) => Promise<ImageList>, { poll = true }: { poll?: boolean } = {}) {
  const [state, setState] = useState<ListState>(EMPTY);
  const current = useRef(state);
  current.current = state;
  const generation = useRef(0);
  // Set at once, unlike state: two scroll events in a row must not fetch the same page twice.
  const inFlight = useRef(false);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  const load = useCallback((token: string | null) => {
    const mine = generation.current;
    inFlight.current = true;
    setState((before) => ({ ...before, loading: true, error: null }));
    fetchRef.current(token).then(
      (page) => {
        if (mine !== generation.current) return;
        inFlight.current = false;
        setState((before) => {
          // A photo uploaded while this page was on its way may already be in the list.
          const known = new Set(before.images.map((image) => image.image_id));
          const images = [...before.images, ...page.images.filter((image) => !known.has(image.image_id))];
          return { images, nextToken: page.next_page_token, loading: false, error: null, loaded: true };
        });
      },
      (error: unknown) => {
        if (mine !== generation.current) return;
        inFlight.current = false;
        setState((before) => ({ ...before, loading: false, error, loaded: true }));
      },
    );
  }, []);

  useEffect(() => {
    generation.current += 1;
    setState({ ...EMPTY, loading: true });
    load(null);
  }, [key, load]);

  const loadMore = useCallback(() => {
    const { nextToken, error } = current.current;
    if (!inFlight.current && nextToken !== null && error === null) load(nextToken);
  }, [load]);

  const retry = useCallback(() => {
    if (!inFlight.current) load(current.current.loaded ? current.current.nextToken : null);
  }, [load]);

  const insert = useCallback((image: Image) => {
    setState((current) => {
      if (current.images.some((known) => known.image_id === image.image_id)) return current;
      const images = [...current.images, image].sort(newestFirst);
      // Past the last loaded photo it belongs to a page not fetched yet, which will bring it.
      if (current.nextToken !== null && images.at(-1) === image) return current;
      return { ...current, images };
    });
  }, []);

  const replace = useCallback((image: Image) => {
    setState((current) => ({
      ...current,
      images: current.images.map((known) => (known.image_id === image.image_id ? newerVersion(known, image) : known)),
    }));
  }, []);

  const remove = useCallback((id: string) => {
    setState((current) => ({ ...current, images: current.images.filter((image) => image.image_id !== id) }));
  }, []);

  // Photos still processing are asked about again, a few at a time, until they are ready or failed.
  const [round, setRound] = useState(0);
  const processingKey = state.images
    .filter((image) => poll && image.status === 'processing')
    .slice(0, 10)
    .map((image) => image.image_id)
    .join(',');
  useEffect(() => {
    if (processingKey === '') return;
    let stopped = false;
    const timer = setTimeout(() => {
      const asked = processingKey.split(',').map((id) =>
        getImage(id).then(
          ({ image }) => {
            // Applied even if the list moved on: replacing a photo it no longer holds changes nothing.
            if (image.status !== 'processing') replace(image);
          },
          () => {
            // Deleted meanwhile, or the service is busy: the next round asks again.
          },
        ),
      );
      // The same photos may still be processing, leaving the key as it is: the round moves on.
      void Promise.all(asked).then(() => {
        if (!stopped) setRound((n) => n + 1);
      });
    }, POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [processingKey, round, replace]);

  return { state, loadMore, retry, insert, replace, remove };
}
