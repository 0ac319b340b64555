// The upload queue: each file checked in the browser, then sent (three at a time) through
// POST /images, or over 4 MiB straight to storage (POST /uploads, the presigned form, then
// complete), with its own progress, cancel and retry. Kept free of any UI so its rules read alone.
import { ApiError, completeDirectUpload, startDirectUpload, uuid } from './api.ts';
import { checkFile } from './file-check.ts';
import type { SniffedType } from './file-check.ts';
import type { Identity } from './identity.ts';
import { describeError } from './messages.ts';
import type { DirectUploadStart, Image, UploadAnswer } from './types.ts';
import { Cancelled, postForm } from './xhr.ts';

/** Lambda carries at most about 4.5 MB per request; anything bigger goes straight to storage. */
export const DIRECT_UPLOAD_THRESHOLD = 4 * 1024 * 1024;
const CONCURRENCY = 3;

export type UploadState = 'checking' | 'queued' | 'uploading' | 'finishing' | 'done' | 'failed' | 'cancelled' | 'rejected';

export interface UploadItem {
  readonly id: string;
  readonly file: File;
  /**
   * The Idempotency-Key of this file, made once and sent again on every retry, so a retry of an
   * upload whose answer was lost replays that answer instead of storing the photo twice.
   */
  key: string;
  readonly title: string;
  readonly tags: string;
  type: SniffedType | null;
  route: 'form' | 'direct';
  state: UploadState;
  /** 0..1 of the bytes sent. */
  progress: number;
  message: string | null;
  image: Image | null;
  /** A reserved direct upload, reused by a retry while its form is still valid. */
  direct: DirectUploadStart | null;
  /** The bytes of that reservation are in storage: a retry only has to complete it. */
  stored: boolean;
}

export interface QueueDeps {
  identity(): Identity;
  onUploaded(image: Image, file: File): void;
}

const RETRYABLE_STATUSES = new Set([0, 401, 408, 409, 410, 429, 500, 502, 503, 504]);

/** The file's name without its extension, as the photo's first title. */
export function titleOf(fileName: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must go.
  const base = fileName.replace(/\.[A-Za-z0-9]{1,5}$/, '').replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, ' ').trim();
  return base.slice(0, 200).trim();
}

export class UploadQueue {
  items: readonly UploadItem[] = [];
  private readonly listeners = new Set<() => void>();
  private readonly controllers = new Map<string, AbortController>();
  private running = 0;

  constructor(private readonly deps: QueueDeps) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Adds files with the tags typed for them; each is checked, then queued or refused with a reason. */
  add(files: Iterable<File>, tags: string): void {
    const added: UploadItem[] = [...files].map((file) => ({
      id: uuid(),
      file,
      key: uuid(),
      title: titleOf(file.name),
      tags,
      type: null,
      route: file.size > DIRECT_UPLOAD_THRESHOLD ? 'direct' : 'form',
      state: 'checking',
      progress: 0,
      message: null,
      image: null,
      direct: null,
      stored: false,
    }));
    this.items = [...this.items, ...added];
    this.changed();
    for (const item of added) void this.check(item);
  }

  private async check(item: UploadItem): Promise<void> {
    const check = await checkFile(item.file);
    // Cancelled or removed while its first bytes were read.
    if (item.state !== 'checking') return;
    if (check.ok) this.update(item, { type: check.type, state: 'queued' });
    else this.update(item, { state: 'rejected', message: check.message });
    this.pump();
  }

  cancel(id: string): void {
    const item = this.find(id);
    if (item === undefined) return;
    if (item.state === 'queued' || item.state === 'checking') this.update(item, { state: 'cancelled', message: 'Cancelled.' });
    this.controllers.get(id)?.abort();
  }

  retry(id: string): void {
    const item = this.find(id);
    if (item === undefined || !this.canRetry(item)) return;
    if (item.type === null) {
      // Cancelled before the browser's own check: that check comes first.
      this.update(item, { state: 'checking', progress: 0, message: null });
      void this.check(item);
      return;
    }
    this.update(item, { state: 'queued', progress: 0, message: null });
    this.pump();
  }

  canRetry(item: UploadItem): boolean {
    return item.state === 'cancelled' || (item.state === 'failed' && item.type !== null);
  }

  dismiss(id: string): void {
    this.controllers.get(id)?.abort();
    this.items = this.items.filter((item) => item.id !== id);
    this.changed();
  }

  clearFinished(): void {
    this.items = this.items.filter((item) => !['done', 'rejected', 'cancelled'].includes(item.state));
    this.changed();
  }

  /** Files waiting only for a name or a token: sent once the person has said who they are. */
  resumeSignedOut(): void {
    for (const item of this.items) if (item.state === 'failed' && item.message === SIGNED_OUT) this.update(item, { state: 'queued', message: null });
    this.pump();
  }

  private find(id: string): UploadItem | undefined {
    return this.items.find((item) => item.id === id);
  }

  private update(item: UploadItem, changes: Partial<UploadItem>): void {
    Object.assign(item, changes);
    // A new array, so views that compare by reference see the change.
    this.items = [...this.items];
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  private pump(): void {
    while (this.running < CONCURRENCY) {
      const next = this.items.find((item) => item.state === 'queued');
      if (next === undefined) return;
      this.running += 1;
      void this.send(next).finally(() => {
        this.running -= 1;
        this.pump();
      });
    }
  }

  private async send(item: UploadItem): Promise<void> {
    const identity = this.deps.identity();
    if (identity.userId === null) {
      // Nothing is sent without an owner: a refused first try would tie the key to the wrong request.
      this.update(item, { state: 'failed', message: SIGNED_OUT });
      return;
    }
    const controller = new AbortController();
    this.controllers.set(item.id, controller);
    this.update(item, { state: 'uploading', progress: 0, message: null });
    try {
      const image = item.route === 'direct' ? await this.sendDirect(item, identity, controller.signal) : await this.sendForm(item, identity, controller.signal);
      this.update(item, { state: 'done', progress: 1, image });
      this.deps.onUploaded(image, item.file);
    } catch (error) {
      if (error instanceof Cancelled) {
        this.update(item, { state: 'cancelled', message: 'Cancelled.' });
        return;
      }
      // A body too big for the API in front (Lambda's limit) still fits the direct path.
      if (error instanceof ApiError && error.status === 413 && item.route === 'form' && item.file.size <= 10 * 1024 * 1024) {
        this.update(item, { route: 'direct', state: 'queued', progress: 0 });
        return;
      }
      // Expired before completion: only a new reservation, under a new key, can still succeed.
      if (error instanceof ApiError && error.status === 410) this.update(item, { direct: null, stored: false, key: uuid() });
      const retryable = error instanceof ApiError && RETRYABLE_STATUSES.has(error.status);
      this.update(item, {
        state: 'failed',
        message: describeError(error, { mode: identity.mode, file: item.file }),
        // Refused for what the file is: a retry could only be refused again.
        type: retryable ? item.type : null,
      });
    } finally {
      this.controllers.delete(item.id);
    }
  }

  private async sendForm(item: UploadItem, identity: Identity, signal: AbortSignal): Promise<Image> {
    const form = new FormData();
    if (identity.mode === 'header') form.append('user_id', identity.userId!);
    if (item.title !== '') form.append('title', item.title);
    if (item.tags !== '') form.append('tags', item.tags);
    form.append('file', item.file, item.file.name);
    const headers: Record<string, string> = { 'Idempotency-Key': item.key };
    if (identity.mode === 'jwt') headers.Authorization = `Bearer ${identity.token}`;
    const { body } = await postForm('/images', form, { headers, signal, onProgress: (fraction) => this.progress(item, fraction) });
    return (body as UploadAnswer).image;
  }

  private async sendDirect(item: UploadItem, identity: Identity, signal: AbortSignal): Promise<Image> {
    // Each call has its own key, derived from the file's: one key names one request.
    const expired = item.direct !== null && Date.parse(item.direct.expires_at) - Date.now() < 60_000;
    if (item.direct === null || expired) {
      const request = {
        ...(identity.mode === 'header' ? { user_id: identity.userId! } : {}),
        ...(item.title === '' ? {} : { title: item.title }),
        ...(item.tags === '' ? {} : { tags: item.tags }),
        file_name: item.file.name,
      };
      this.update(item, { direct: await startDirectUpload(request, identity, `${item.key}-start`), stored: false });
    }
    if (signal.aborted) throw new Cancelled();
    const { upload, complete_url } = item.direct!;
    if (!item.stored) {
      const form = new FormData();
      for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
      form.append('Content-Type', item.type ?? item.file.type);
      // Storage reads the fields before the file, so the file goes last.
      form.append(upload.file_field ?? 'file', item.file, item.file.name);
      await postForm(upload.url, form, { signal, onProgress: (fraction) => this.progress(item, fraction) });
    }
    this.update(item, { state: 'finishing', progress: 1, stored: true });
    return completeDirectUpload(complete_url, identity, `${item.key}-complete`);
  }

  private progress(item: UploadItem, fraction: number): void {
    this.update(item, { progress: fraction, state: fraction >= 1 ? 'finishing' : 'uploading' });
  }
}

export const SIGNED_OUT = 'Say who you are first (at the top of the page); this photo is sent as soon as you do.';
