// The filter form: user, tag and a date range. Applying it changes the URL (see url-state.ts),
// which is what the grid follows, so a filtered view is a link that can be shared.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { USER_ID_PATTERN } from './identity.ts';
import { parseTags } from './tags.ts';
import { NO_FILTERS, hasFilters } from './url-state.ts';
import type { Filters } from './url-state.ts';

export function problemOf(filters: Filters): string | null {
  if (filters.user !== '' && !USER_ID_PATTERN.test(filters.user)) return 'A user name is 1 to 128 letters, digits, - or _.';
  if (filters.tag !== '') {
    const { problem } = parseTags(filters.tag);
    if (problem !== null) return problem;
  }
  if (filters.from !== '' && filters.to !== '' && filters.from > filters.to) return 'The "From" date must not be after the "To" date.';
  return null;
}

/** "Photos tagged nature by alice from 1 May 2024": what the grid below shows. */
export function describeFilters(filters: Filters): string {
  if (!hasFilters(filters)) return 'All photos';
  const parts = ['Photos'];
  if (filters.tag !== '') parts.push(`tagged ${filters.tag.split(',').map((tag) => tag.trim()).join(' or ')}`);
  if (filters.user !== '') parts.push(`by ${filters.user}`);
  if (filters.from !== '') parts.push(`from ${filters.from}`);
  if (filters.to !== '') parts.push(`to ${filters.to}`);
  return parts.join(' ');
}

export function FilterForm({ filters, onApply }: { filters: Filters; onApply(filters: Filters): void }) {
  const [draft, setDraft] = useState(filters);
  const [problem, setProblem] = useState<string | null>(null);
  // The URL changed (a tag clicked, Back pressed): the form shows what is applied.
  useEffect(() => setDraft(filters), [filters.user, filters.tag, filters.from, filters.to]);
  // Open on wide screens, and whenever a filter is applied; folded on phones otherwise.
  const [open] = useState(() => hasFilters(filters) || matchMedia('(min-width: 48rem)').matches);

  const field = (name: keyof Filters) => (event: Event) => setDraft({ ...draft, [name]: (event.currentTarget as HTMLInputElement).value });
  const apply = (event: Event): void => {
    event.preventDefault();
    const next = { user: draft.user.trim(), tag: draft.tag.trim(), from: draft.from, to: draft.to };
    const found = problemOf(next);
    setProblem(found);
    if (found === null) onApply(next);
  };

  return html`
    <details class="filters" open=${open}>
      <summary>Filters${hasFilters(filters) ? html` <span class="count">(${Object.values(filters).filter((value) => value !== '').length} on)</span>` : null}</summary>
      <form role="search" aria-label="Filter photos" onSubmit=${apply}>
        <div class="field">
          <label for="filter-user">User</label>
          <input id="filter-user" name="user" value=${draft.user} onInput=${field('user')} autocomplete="off" spellcheck="false" />
        </div>
        <div class="field">
          <label for="filter-tag">Tag</label>
          <input id="filter-tag" name="tag" value=${draft.tag} onInput=${field('tag')} autocomplete="off" />
        </div>
        <div class="field">
          <label for="filter-from">From</label>
          <input id="filter-from" name="from" type="date" value=${draft.from} onInput=${field('from')} />
        </div>
        <div class="field">
          <label for="filter-to">To</label>
          <input id="filter-to" name="to" type="date" value=${draft.to} onInput=${field('to')} />
        </div>
        <div class="field actions">
          <button type="submit" class="button primary">Apply</button>
          ${hasFilters(filters) ? html`<button type="button" class="button" onClick=${() => onApply(NO_FILTERS)}>Clear</button>` : null}
        </div>
        ${problem === null ? null : html`<p class="field-problem" role="alert">${problem}</p>`}
      </form>
    </details>
  `;
}
