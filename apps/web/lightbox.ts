// A small lightbox of our own on a modal <dialog>: the browser traps focus, Escape closes it and
// the page behind is inert. Arrow keys move between photos, loading the next page at the end.
import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { deleteImage } from './api.ts';
import { Editor } from './editor.ts';
import { altOf, displaySource } from './grid.ts';
import type { Identity } from './identity.ts';
import { describeError, formatBytes, formatDateTime } from './messages.ts';
import { placeholderUrl } from './placeholder.ts';
import type { Image } from './types.ts';

export interface LightboxProps {
  images: Image[];
  index: number;
  identity: Identity;
  hasMore: boolean;
  onMore(): void;
  onIndex(index: number): void;
  onClose(): void;
  onTag(tag: string): void;
  onUser(user: string): void;
  onChanged(image: Image): void;
  onDeleted(image: Image): void;
}

const typing = (target: EventTarget | null): boolean =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

export function Lightbox(props: LightboxProps) {
  const { images, index, identity } = props;
  const image = images[index];
  const dialog = useRef<HTMLDialogElement>(null);
  const [editing, setEditing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const element = dialog.current;
    if (element !== null && !element.open) element.showModal();
    return () => element?.close();
  }, []);

  // Another photo: leave the editor and any error of the previous one behind.
  const imageId = image?.image_id;
  useEffect(() => {
    setEditing(false);
    setError(null);
  }, [imageId]);

  // Near the end of what is loaded, fetch more, so the next arrow press has somewhere to go.
  useEffect(() => {
    if (props.hasMore && index >= images.length - 2) props.onMore();
  }, [index, images.length, props.hasMore]);

  if (image === undefined) return null;
  const source = displaySource(image);
  const placeholder = placeholderUrl(image.placeholder);
  const owner = identity.userId !== null && identity.userId === image.user_id;
  const canPrevious = index > 0;
  const canNext = index < images.length - 1;
  const go = (step: number): void => {
    const next = index + step;
    if (next >= 0 && next < images.length) props.onIndex(next);
  };

  const onKeyDown = (event: KeyboardEvent): void => {
    if (typing(event.target) || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'ArrowLeft') go(-1);
    else if (event.key === 'ArrowRight') go(1);
    else return;
    event.preventDefault();
  };

  const remove = async (): Promise<void> => {
    // Not disabled while busy: a disabled button would drop the keyboard focus out of the dialog.
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await deleteImage(image.image_id, identity);
      props.onDeleted(image);
    } catch (failure) {
      setError(describeError(failure, { mode: identity.mode }));
    } finally {
      setBusy(false);
    }
  };

  return html`
    <dialog ref=${dialog} class="lightbox" aria-labelledby="lightbox-title" onClose=${props.onClose} onKeyDown=${onKeyDown}>
      <div class="lightbox-toolbar">
        <p class="lightbox-position">${index + 1} of ${images.length}${props.hasMore ? '+' : ''}</p>
        <button type="button" class="button icon" onClick=${() => go(-1)} disabled=${!canPrevious} aria-label="Previous photo">‹</button>
        <button type="button" class="button icon" onClick=${() => go(1)} disabled=${!canNext} aria-label="Next photo">›</button>
        <button type="button" class="button icon" onClick=${() => dialog.current?.close()} aria-label="Close" autofocus>×</button>
      </div>
      <div class="lightbox-body">
        <figure class="lightbox-figure">
          ${placeholder !== null ? html`<img class="lightbox-placeholder" src=${placeholder} alt="" aria-hidden="true" />` : null}
          ${source === null
            ? html`<p class="lightbox-missing">No preview of this photo is available.</p>`
            : html`<img key=${source.url} class="lightbox-image" src=${source.url} width=${source.width} height=${source.height} alt=${altOf(image)} />`}
        </figure>
        <section class="lightbox-info">
          ${editing
            ? html`<${Editor}
                image=${image}
                identity=${identity}
                onSaved=${(saved: Image) => {
                  props.onChanged(saved);
                  setEditing(false);
                }}
                onRefreshed=${props.onChanged}
                onCancel=${() => setEditing(false)}
              />`
            : html`
                <h2 id="lightbox-title">${image.title ?? 'Untitled'}</h2>
                ${image.description === null ? null : html`<p class="description">${image.description}</p>`}
                <p class="byline">
                  by <button type="button" class="link" onClick=${() => props.onUser(image.user_id)} aria-label=${`Show photos by ${image.user_id}`}>${image.user_id}</button>
                </p>
                ${image.tags.length > 0
                  ? html`<ul class="tags" aria-label="Tags">
                      ${image.tags.map((tag) => html`<li key=${tag}><button type="button" class="tag" onClick=${() => props.onTag(tag)} aria-label=${`Show photos tagged ${tag}`}>#${tag}</button></li>`)}
                    </ul>`
                  : null}
                <dl class="facts">
                  <dt>Size</dt>
                  <dd>${formatBytes(image.file_size)} · ${image.width} × ${image.height} px · ${image.format.toUpperCase()}</dd>
                  <dt>Uploaded</dt>
                  <dd><time datetime=${image.created_at}>${formatDateTime(image.created_at)}</time></dd>
                  ${image.status === 'processing' ? html`<dt>Status</dt><dd>Processing…</dd>` : null}
                  ${image.status === 'failed' ? html`<dt>Status</dt><dd>No preview could be made${image.status_reason ? ` (${image.status_reason})` : ''}.</dd>` : null}
                </dl>
                <div class="actions">
                  ${image.download_url === null ? null : html`<a class="button" href=${image.download_url} download=${image.file_name}>Download original</a>`}
                  ${owner
                    ? html`
                        <button type="button" class="button" onClick=${() => setEditing(true)}>Edit</button>
                        <button type="button" class="button danger" onClick=${remove} aria-busy=${busy}>Move to trash</button>
                      `
                    : null}
                </div>
                ${error === null ? null : html`<p class="error" role="alert">${error}</p>`}
              `}
        </section>
      </div>
    </dialog>
  `;
}
