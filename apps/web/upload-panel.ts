// The upload controls (file picker, tags for the new photos) and one row per file with its own
// progress bar, state in words, and cancel, retry or remove.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { formatBytes } from './messages.ts';
import { parseTags } from './tags.ts';
import type { UploadItem, UploadQueue } from './upload-queue.ts';

export const ACCEPT = 'image/jpeg,image/png,image/gif,image/webp';

/** Re-renders the caller whenever the queue changes. */
export function useQueue(queue: UploadQueue): readonly UploadItem[] {
  const [items, setItems] = useState(queue.items);
  useEffect(() => queue.subscribe(() => setItems(queue.items)), [queue]);
  return items;
}

function stateText(item: UploadItem): string {
  const percent = Math.round(item.progress * 100);
  switch (item.state) {
    case 'checking':
      return 'Checking…';
    case 'queued':
      return 'Waiting…';
    case 'uploading':
      return `Uploading… ${percent}%`;
    case 'finishing':
      return 'Uploaded, checking the photo…';
    case 'done':
      return 'Done';
    case 'cancelled':
      return 'Cancelled';
    case 'rejected':
    case 'failed':
      return 'Not uploaded';
  }
}

function UploadRow({ item, queue }: { item: UploadItem; queue: UploadQueue }) {
  const percent = Math.round(item.progress * 100);
  const active = item.state === 'uploading' || item.state === 'queued' || item.state === 'checking';
  const problem = item.state === 'failed' || item.state === 'rejected';
  return html`
    <li class="upload" data-state=${item.state} data-route=${item.route}>
      <div class="upload-line">
        <span class="upload-name">${item.file.name}</span>
        <span class="upload-size">${formatBytes(item.file.size)}</span>
      </div>
      ${item.state === 'rejected' ? null : html`<progress max="100" value=${percent} aria-label=${`Upload of ${item.file.name}`}>${percent}%</progress>`}
      <div class="upload-line">
        <span class="upload-state">${stateText(item)}</span>
        <span class="upload-actions">
          ${active ? html`<button type="button" class="button small" onClick=${() => queue.cancel(item.id)} aria-label=${`Cancel ${item.file.name}`}>Cancel</button>` : null}
          ${queue.canRetry(item) ? html`<button type="button" class="button small" onClick=${() => queue.retry(item.id)} aria-label=${`Retry ${item.file.name}`}>Retry</button>` : null}
          ${!active && item.state !== 'finishing'
            ? html`<button type="button" class="button small" onClick=${() => queue.dismiss(item.id)} aria-label=${`Remove ${item.file.name} from the list`}>Remove</button>`
            : null}
        </span>
      </div>
      ${problem && item.message !== null ? html`<p class="upload-message error" role="alert">${item.message}</p>` : null}
    </li>
  `;
}

export function UploadBar({ queue, tags, onTags }: { queue: UploadQueue; tags: string; onTags(tags: string): void }) {
  const { problem } = parseTags(tags);
  const pick = (event: Event): void => {
    const input = event.currentTarget as HTMLInputElement;
    if (input.files !== null && input.files.length > 0 && problem === null) queue.add([...input.files], parseTags(tags).tags.join(','));
    // The same files can be picked again (after a failure, say).
    input.value = '';
  };
  return html`
    <section class="upload-bar" aria-label="Add photos">
      <div class="picker">
        <input id="file-input" class="visually-hidden" type="file" multiple accept=${ACCEPT} onChange=${pick} disabled=${problem !== null} />
        <label for="file-input" class="button primary">Add photos</label>
        <span class="hint drop-hint">or drop them anywhere on the page</span>
      </div>
      <div class="field inline">
        <label for="upload-tags">Tags for new photos</label>
        <input id="upload-tags" value=${tags} onInput=${(event: Event) => onTags((event.currentTarget as HTMLInputElement).value)} placeholder="e.g. holiday, beach" aria-invalid=${problem !== null} aria-describedby="upload-tags-problem" />
        <span id="upload-tags-problem" class="field-problem">${problem ?? ''}</span>
      </div>
    </section>
  `;
}

export function UploadList({ queue }: { queue: UploadQueue }) {
  const items = useQueue(queue);
  if (items.length === 0) return null;
  const done = items.filter((item) => item.state === 'done').length;
  const finished = items.some((item) => ['done', 'rejected', 'cancelled'].includes(item.state));
  return html`
    <section class="uploads" aria-labelledby="uploads-title">
      <div class="uploads-head">
        <h2 id="uploads-title">Uploads</h2>
        <span class="hint" aria-live="polite">${done} of ${items.length} done</span>
        ${finished ? html`<button type="button" class="button small" onClick=${() => queue.clearFinished()}>Clear finished</button>` : null}
      </div>
      <ul class="upload-list">
        ${items.map((item) => html`<${UploadRow} key=${item.id} item=${item} queue=${queue} />`)}
      </ul>
    </section>
  `;
}
