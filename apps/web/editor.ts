// The owner's caption editor. It reads the photo again for its ETag and sends only what changed
// as a JSON merge patch with If-Match, so an edit made elsewhere in between is never overwritten:
// the service answers 412 and the editor shows the newer caption to edit again.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, getImage, updateImage } from './api.ts';
import type { ImagePatch } from './api.ts';
import type { Identity } from './identity.ts';
import { describeError } from './messages.ts';
import { parseTags } from './tags.ts';
import type { Image } from './types.ts';

export interface EditorProps {
  image: Image;
  identity: Identity;
  onSaved(image: Image): void;
  /** A newer version arrived (someone else's edit); the editor stays open on it. */
  onRefreshed(image: Image): void;
  onCancel(): void;
}

interface Fields {
  title: string;
  description: string;
  tags: string;
}

const fieldsOf = (image: Image): Fields => ({ title: image.title ?? '', description: image.description ?? '', tags: image.tags.join(', ') });

/** Only the fields that differ from `base`; an emptied text becomes null, which merge patch reads as "remove". */
function patchOf(base: Image, fields: Fields, tags: string[]): ImagePatch {
  const patch: ImagePatch = {};
  const title = fields.title.trim();
  const description = fields.description.trim();
  if (title !== (base.title ?? '')) patch.title = title === '' ? null : title;
  if (description !== (base.description ?? '')) patch.description = description === '' ? null : description;
  if (tags.join(',') !== base.tags.join(',')) patch.tags = tags;
  return patch;
}

export function Editor({ image, identity, onSaved, onRefreshed, onCancel }: EditorProps) {
  const [base, setBase] = useState(image);
  const [etag, setEtag] = useState<string | null>(null);
  const [fields, setFields] = useState(() => fieldsOf(image));
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  // The version this edit is based on: the ETag of the photo as the service has it now.
  useEffect(() => {
    let current = true;
    getImage(image.image_id).then(
      (fresh) => {
        if (!current) return;
        setEtag(fresh.etag);
        if (fresh.image.updated_at !== image.updated_at) {
          setBase(fresh.image);
          setFields(fieldsOf(fresh.image));
        }
      },
      (failure: unknown) => current && setError(describeError(failure, { mode: identity.mode })),
    );
    return () => {
      current = false;
    };
  }, [image.image_id]);

  const { tags, problem } = parseTags(fields.tags);
  const set = (name: keyof Fields) => (event: Event) => setFields({ ...fields, [name]: (event.currentTarget as HTMLInputElement).value });

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (problem !== null) return setError(problem);
    const patch = patchOf(base, fields, tags);
    if (Object.keys(patch).length === 0) return onCancel();
    setSaving(true);
    setError(null);
    try {
      onSaved({ ...base, ...(await updateImage(image.image_id, patch, etag, identity)) });
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 412) {
        // Someone else's edit won: show it, with its new version, for this person to redo theirs.
        const fresh = await getImage(image.image_id).catch(() => null);
        if (fresh !== null) {
          setBase(fresh.image);
          setEtag(fresh.etag);
          setFields(fieldsOf(fresh.image));
          onRefreshed(fresh.image);
        }
      }
      // After the refresh, so the message and the newer caption appear together.
      setError(describeError(failure, { mode: identity.mode }));
    } finally {
      setSaving(false);
    }
  };

  return html`
    <form class="editor" onSubmit=${save} aria-labelledby="lightbox-title">
      <h2 id="lightbox-title">Edit details</h2>
      <label for="edit-title">Title</label>
      <input id="edit-title" name="title" maxlength="200" value=${fields.title} onInput=${set('title')} />
      <label for="edit-description">Description</label>
      <textarea id="edit-description" name="description" maxlength="1000" rows="4" value=${fields.description} onInput=${set('description')}></textarea>
      <label for="edit-tags">Tags <span class="hint">(comma-separated, up to 10)</span></label>
      <input id="edit-tags" name="tags" value=${fields.tags} onInput=${set('tags')} aria-invalid=${problem !== null} aria-describedby="edit-tags-problem" />
      <p id="edit-tags-problem" class="field-problem">${problem ?? ''}</p>
      <div class="actions">
        <button type="submit" class="button primary" disabled=${saving}>${saving ? 'Saving…' : 'Save'}</button>
        <button type="button" class="button" onClick=${onCancel}>Cancel</button>
      </div>
      ${error === null ? null : html`<p class="error" role="alert">${error}</p>`}
    </form>
  `;
}
