// The owner's trash: deleted photos wait here until their purge date. Restore puts one back in
// every listing; "Erase now" removes it for good, after a confirmation.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ApiError, deleteImage, listTrash, restoreImage } from './api.ts';
import { ConfirmDialog } from './confirm.ts';
import { altOf } from './grid.ts';
import type { Identity } from './identity.ts';
import { useImageList } from './image-list.ts';
import { describeError, formatDate } from './messages.ts';
import { placeholderUrl } from './placeholder.ts';
import type { Image } from './types.ts';

export interface TrashProps {
  identity: Identity;
  announce(message: string): void;
}

const titleOf = (image: Image): string => image.title ?? image.file_name;

// The buttons name their photo for a screen reader, after what is seen, so the visible words
// start what is heard ("Erase now: Gone soon"), as WCAG's label-in-name asks.
function TrashItem({ image, busy, onRestore, onErase }: { image: Image; busy: boolean; onRestore(): void; onErase(): void }) {
  // A deleted photo's files are not served (a URL the listing carried would only fail to load):
  // its placeholder, decoded in the page, is what is left to recognise it by.
  const placeholder = placeholderUrl(image.placeholder);
  return html`
    <li class="trash-item" data-image-id=${image.image_id}>
      <div class="trash-thumb">${placeholder !== null ? html`<img src=${placeholder} width="32" height="32" alt=${altOf(image)} />` : null}</div>
      <div class="trash-text">
        <h3>${titleOf(image)}</h3>
        <p class="hint">
          ${image.deleted_at ? `Deleted ${formatDate(image.deleted_at)}` : 'Deleted'}${image.purge_at ? `; erased for good on ${formatDate(image.purge_at)}` : ''}
        </p>
      </div>
      <div class="actions">
        <button type="button" class="button" onClick=${onRestore} disabled=${busy} aria-label=${`Restore ${titleOf(image)}`}>Restore</button>
        <button type="button" class="button danger" onClick=${onErase} disabled=${busy} aria-label=${`Erase now: ${titleOf(image)}`}>Erase now</button>
      </div>
    </li>
  `;
}

export function Trash({ identity, announce }: TrashProps) {
  const list = useImageList(`trash:${identity.userId ?? ''}`, (token) => listTrash(identity, token), { poll: false });
  const [busy, setBusy] = useState<string | null>(null);
  const [erasing, setErasing] = useState<Image | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { images, loading, nextToken, loaded } = list.state;

  const act = async (image: Image, action: () => Promise<unknown>, done: string): Promise<void> => {
    setBusy(image.image_id);
    setError(null);
    try {
      await action();
      list.remove(image.image_id);
      announce(done);
    } catch (failure) {
      setError(describeError(failure, { mode: identity.mode }));
    } finally {
      setBusy(null);
    }
  };

  return html`
    <section class="trash" aria-labelledby="trash-title">
      <h2 id="trash-title">Trash</h2>
      <p class="hint">Deleted photos wait here until the date shown, then they are erased for good.</p>
      ${error === null ? null : html`<p class="error" role="alert">${error}</p>`}
      ${list.state.error !== null
        ? html`<p class="error" role="alert">
            ${list.state.error instanceof ApiError && list.state.error.status === 404
              ? // A service from before the trash existed: deleted photos cannot be listed there.
                'This service keeps no trash: deleted photos cannot be listed or restored here.'
              : describeError(list.state.error, { mode: identity.mode })}
          </p>`
        : null}
      ${loaded && images.length === 0 && list.state.error === null ? html`<p class="empty">The trash is empty.</p>` : null}
      <ul class="trash-list">
        ${images.map(
          (image) => html`<${TrashItem}
            key=${image.image_id}
            image=${image}
            busy=${busy === image.image_id}
            onRestore=${() => act(image, () => restoreImage(image.image_id, identity), `“${titleOf(image)}” is back in your photos.`)}
            onErase=${() => setErasing(image)}
          />`,
        )}
      </ul>
      ${nextToken !== null ? html`<button type="button" class="button" onClick=${list.loadMore} disabled=${loading}>${loading ? 'Loading…' : 'Show more'}</button>` : null}
      ${erasing === null
        ? null
        : html`<${ConfirmDialog}
            title="Erase this photo now?"
            message=${`“${titleOf(erasing)}” and every copy of it will be erased for good. This cannot be undone.`}
            confirmLabel="Erase forever"
            onCancel=${() => setErasing(null)}
            onConfirm=${() => {
              const image = erasing;
              setErasing(null);
              void act(image, () => deleteImage(image.image_id, identity, { purge: true }), `“${titleOf(image)}” was erased.`);
            }}
          />`}
    </section>
  `;
}
