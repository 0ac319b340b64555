// "Who am I" (header mode) or "Access token" (jwt mode), at the top of every page.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { USER_ID_PATTERN, saveIdentity } from './identity.ts';
import type { Identity } from './identity.ts';

export function IdentityField({ identity, onChange }: { identity: Identity; onChange(identity: Identity): void }) {
  const [problem, setProblem] = useState<string | null>(null);
  const jwt = identity.mode === 'jwt';

  // On change (Enter or leaving the field), not on every key: a half-typed name is nobody.
  const save = (event: Event): void => {
    const value = (event.currentTarget as HTMLInputElement).value.trim();
    if (!jwt && value !== '' && !USER_ID_PATTERN.test(value)) {
      setProblem('Use 1 to 128 letters, digits, - or _.');
      return;
    }
    setProblem(null);
    const saved = saveIdentity(identity.mode, value);
    if (jwt && value !== '' && saved.userId === null) setProblem('This token names no user (it has no "sub").');
    onChange(saved);
  };

  return html`
    <form class="identity" onSubmit=${(event: Event) => event.preventDefault()}>
      <label for="identity-input">${jwt ? 'Access token' : 'Who am I'}</label>
      <input
        id="identity-input"
        type=${jwt ? 'password' : 'text'}
        value=${jwt ? (identity.token ?? '') : (identity.userId ?? '')}
        placeholder=${jwt ? 'paste a token' : 'your user name'}
        autocomplete=${jwt ? 'off' : 'username'}
        spellcheck="false"
        aria-invalid=${problem !== null}
        aria-describedby="identity-note"
        onChange=${save}
      />
      <span id="identity-note" class=${problem === null ? 'hint' : 'field-problem'} aria-live="polite">
        ${problem ?? (jwt && identity.userId !== null ? `Signed in as ${identity.userId}` : '')}
      </span>
    </form>
  `;
}
