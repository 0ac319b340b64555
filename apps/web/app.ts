// The page: who I am, adding photos (picker or a drop anywhere), and either the photos with their
// filters and lightbox, or the trash. What is shown is in the URL; who I am is in browser storage.
import { html } from 'htm/preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { listImages, restoreImage } from './api.ts';
import { FilterForm, describeFilters } from './filters.ts';
import { Grid } from './grid.ts';
import { IdentityField } from './identity-field.ts';
import { loadIdentity } from './identity.ts';
import type { Identity } from './identity.ts';
import { useImageList } from './image-list.ts';
import { Lightbox } from './lightbox.ts';
import { describeError } from './messages.ts';
import { rememberPreview } from './previews.ts';
import { parseTags } from './tags.ts';
import { Trash } from './trash.ts';
import type { Image } from './types.ts';
import { UploadBar, UploadList } from './upload-panel.ts';
import { UploadQueue } from './upload-queue.ts';
import { hasFilters, matchesFilters, useView, viewUrl } from './url-state.ts';
import type { Filters, View } from './url-state.ts';

interface Announcement {
  text: string;
  action?: { label: string; run(): void };
}

interface PhotosProps {
  filters: Filters;
  identity: Identity;
  uploaded: EventTarget;
  go(view: View): void;
  announce(announcement: Announcement): void;
}

function Photos({ filters, identity, uploaded, go, announce }: PhotosProps) {
  const key = JSON.stringify(filters);
  const list = useImageList(key, (token) => listImages({ user: filters.user, tags: filters.tag, from: filters.from, to: filters.to }, token));
  const { images, nextToken, loading, error, loaded } = list.state;
  const [openId, setOpenId] = useState<string | null>(null);
  const openNow = useRef(openId);
  openNow.current = openId;
  const lastOpened = useRef<string | null>(null);

  // A finished upload joins the grid in its place, newest first, if the filters let it in.
  useEffect(() => {
    const onUploaded = (event: Event): void => {
      const image = (event as CustomEvent<Image>).detail;
      if (matchesFilters(image, filters)) list.insert(image);
    };
    uploaded.addEventListener('uploaded', onUploaded);
    return () => uploaded.removeEventListener('uploaded', onUploaded);
  }, [key, uploaded, list.insert]);

  const openIndex = openId === null ? -1 : images.findIndex((image) => image.image_id === openId);
  const open = (id: string): void => {
    lastOpened.current = id;
    setOpenId(id);
  };
  const close = (): void => {
    setOpenId(null);
    // Back to the tile of the photo last seen, so keyboard users keep their place.
    const id = lastOpened.current;
    if (id !== null) requestAnimationFrame(() => document.querySelector<HTMLButtonElement>(`[data-image-id="${CSS.escape(id)}"] .tile-button`)?.focus());
  };
  const filterBy = (change: Partial<Filters>): void => {
    setOpenId(null);
    go({ page: 'photos', filters: { ...filters, ...change } });
  };
  const deleted = (image: Image): void => {
    const next = images[openIndex + 1] ?? images[openIndex - 1];
    list.remove(image.image_id);
    // Closed (Escape) while the delete was on its way: it stays closed.
    if (openNow.current === image.image_id) {
      if (next === undefined) close();
      else open(next.image_id);
    }
    announce({
      text: `“${image.title ?? image.file_name}” moved to the trash.`,
      action: {
        label: 'Undo',
        run: () =>
          void restoreImage(image.image_id, identity).then(
            (restored) => {
              list.insert({ ...image, ...restored });
              announce({ text: `“${image.title ?? image.file_name}” is back.` });
            },
            (failure: unknown) => announce({ text: describeError(failure, { mode: identity.mode }) }),
          ),
      },
    });
  };

  return html`
    <${FilterForm} filters=${filters} onApply=${(next: Filters) => go({ page: 'photos', filters: next })} />
    <h2 class="view-title" aria-live="polite">${describeFilters(filters)}</h2>
    ${error !== null
      ? html`<div class="error" role="alert">
          ${describeError(error, { mode: identity.mode })}
          <button type="button" class="button small" onClick=${list.retry}>Try again</button>
        </div>`
      : null}
    ${loaded && images.length === 0 && error === null
      ? html`<p class="empty">${hasFilters(filters) ? 'No photos match these filters.' : 'No photos yet. Add some with the button above, or drop them anywhere on this page.'}</p>`
      : null}
    <${Grid} images=${images} hasMore=${nextToken !== null && error === null} loading=${loading} onOpen=${open} onMore=${list.loadMore} />
    ${openIndex === -1
      ? null
      : html`<${Lightbox}
          images=${images}
          index=${openIndex}
          identity=${identity}
          hasMore=${nextToken !== null}
          onMore=${list.loadMore}
          onIndex=${(index: number) => open(images[index]!.image_id)}
          onClose=${close}
          onTag=${(tag: string) => filterBy({ tag })}
          onUser=${(user: string) => filterBy({ user })}
          onChanged=${list.replace}
          onDeleted=${deleted}
        />`}
  `;
}

function NavLink({ view, current, go, children }: { view: View; current: boolean; go(view: View): void; children: string }) {
  const follow = (event: MouseEvent): void => {
    // Let the browser open new tabs and windows itself.
    if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    go(view);
  };
  return html`<a href=${viewUrl(view)} onClick=${follow} aria-current=${current ? 'page' : undefined}>${children}</a>`;
}

export function App() {
  const [identity, setIdentity] = useState<Identity>(loadIdentity);
  const [view, go] = useView();
  const [uploadTags, setUploadTags] = useState('');
  const [announcement, setAnnouncement] = useState<Announcement | null>(null);
  const [dragging, setDragging] = useState(false);
  const identityRef = useRef(identity);
  identityRef.current = identity;
  const tagsRef = useRef(uploadTags);
  tagsRef.current = uploadTags;

  const uploaded = useMemo(() => new EventTarget(), []);
  const queue = useMemo(
    () =>
      new UploadQueue({
        identity: () => identityRef.current,
        onUploaded: (image, file) => {
          rememberPreview(image.image_id, file);
          uploaded.dispatchEvent(new CustomEvent('uploaded', { detail: image }));
        },
      }),
    [],
  );

  const announce = useCallback((next: Announcement) => setAnnouncement(next), []);
  useEffect(() => {
    if (announcement === null) return;
    const timer = setTimeout(() => setAnnouncement(null), announcement.action === undefined ? 6000 : 12000);
    return () => clearTimeout(timer);
  }, [announcement]);

  // An Undo belongs to the view it was offered in.
  useEffect(() => setAnnouncement((current) => (current?.action === undefined ? current : null)), [view.page]);

  const changeIdentity = (next: Identity): void => {
    setIdentity(next);
    identityRef.current = next;
    if (next.userId !== null) queue.resumeSignedOut();
  };

  // Drop anywhere: the whole window is the drop zone while files are dragged over it.
  useEffect(() => {
    let depth = 0;
    const carriesFiles = (event: DragEvent): boolean => event.dataTransfer?.types.includes('Files') === true;
    const enter = (event: DragEvent): void => {
      if (!carriesFiles(event)) return;
      depth += 1;
      setDragging(true);
    };
    const leave = (event: DragEvent): void => {
      if (!carriesFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const over = (event: DragEvent): void => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      event.dataTransfer!.dropEffect = 'copy';
    };
    const drop = (event: DragEvent): void => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth = 0;
      setDragging(false);
      const { tags, problem } = parseTags(tagsRef.current);
      if (problem !== null) {
        setAnnouncement({ text: `Fix the tags for new photos first: ${problem}` });
        return;
      }
      const files = [...(event.dataTransfer?.files ?? [])];
      if (files.length > 0) queue.add(files, tags.join(','));
    };
    addEventListener('dragenter', enter);
    addEventListener('dragleave', leave);
    addEventListener('dragover', over);
    addEventListener('drop', drop);
    return () => {
      removeEventListener('dragenter', enter);
      removeEventListener('dragleave', leave);
      removeEventListener('dragover', over);
      removeEventListener('drop', drop);
    };
  }, []);

  const me = identity.userId;
  const allPhotos: View = { page: 'photos', filters: { user: '', tag: '', from: '', to: '' } };
  const myPhotos: View = { page: 'photos', filters: { ...allPhotos.filters, user: me ?? '' } };
  const onMine = view.page === 'photos' && me !== null && view.filters.user === me && !view.filters.tag && !view.filters.from && !view.filters.to;
  const onAll = view.page === 'photos' && !hasFilters(view.filters);

  return html`
    <header class="top">
      <div class="top-inner">
        <h1 class="brand"><a href="/">Gallery</a></h1>
        <nav aria-label="Views">
          <${NavLink} view=${allPhotos} current=${onAll} go=${go}>All photos<//>
          ${me === null ? null : html`<${NavLink} view=${myPhotos} current=${onMine} go=${go}>My photos<//>`}
          ${me === null ? null : html`<${NavLink} view=${{ page: 'trash', filters: allPhotos.filters }} current=${view.page === 'trash'} go=${go}>Trash<//>`}
        </nav>
        <${IdentityField} identity=${identity} onChange=${changeIdentity} />
      </div>
    </header>
    <main class="page">
      <${UploadBar} queue=${queue} tags=${uploadTags} onTags=${setUploadTags} />
      <${UploadList} queue=${queue} />
      ${view.page === 'trash'
        ? me === null
          ? html`<p class="empty">Say who you are (at the top of the page) to see your trash.</p>`
          : html`<${Trash} key=${me} identity=${identity} announce=${(text: string) => announce({ text })} />`
        : html`<${Photos} filters=${view.filters} identity=${identity} uploaded=${uploaded} go=${go} announce=${announce} />`}
    </main>
    <div class="drop-overlay" hidden=${!dragging} aria-hidden="true"><p>Drop photos to upload them</p></div>
    <div class="announcement" role="status">
      ${announcement === null
        ? null
        : html`<p>
            ${announcement.text}
            ${announcement.action === undefined
              ? null
              : html`<button
                  type="button"
                  class="button small"
                  onClick=${() => {
                    const action = announcement.action!;
                    setAnnouncement(null);
                    action.run();
                  }}
                >
                  ${announcement.action.label}
                </button>`}
          </p>`}
    </div>
  `;
}
