// Uploads go through XMLHttpRequest because only it reports upload progress; fetch cannot.
import { apiErrorOf, networkError } from './api.ts';

export class Cancelled extends Error {
  constructor() {
    super('Cancelled');
    this.name = 'Cancelled';
  }
}

export interface Sent {
  status: number;
  body: unknown;
}

/**
 * POSTs a form and resolves with the JSON answer of a 2xx; rejects with an ApiError for any
 * other answer or none, and with Cancelled when the signal aborts it.
 */
export function postForm(url: string, form: FormData, options: { headers?: Record<string, string>; signal: AbortSignal; onProgress(fraction: number): void }): Promise<Sent> {
  return new Promise((resolve, reject) => {
    if (options.signal.aborted) {
      reject(new Cancelled());
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    for (const [name, value] of Object.entries(options.headers ?? {})) xhr.setRequestHeader(name, value);
    xhr.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress(event.loaded / event.total);
    });
    xhr.addEventListener('load', () => {
      let body: unknown = null;
      try {
        body = xhr.responseText === '' ? null : JSON.parse(xhr.responseText);
      } catch {
        // A storage server's XML error, or nothing: the status says enough.
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        options.onProgress(1);
        resolve({ status: xhr.status, body });
      } else reject(apiErrorOf(xhr.status, body));
    });
    xhr.addEventListener('error', () => reject(networkError()));
    xhr.addEventListener('abort', () => reject(new Cancelled()));
    options.signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}
