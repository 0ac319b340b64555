// What the page shows lives in its URL (?user=alice&tag=nature&from=2024-01-01&to=2024-12-31,
// or ?view=trash), so a view can be bookmarked and shared, and Back goes back. Never a token.
import { useEffect, useState } from 'preact/hooks';

export interface Filters {
  user: string;
  tag: string;
  from: string;
  to: string;
}

export interface View {
  page: 'photos' | 'trash';
  filters: Filters;
}

export const NO_FILTERS: Filters = { user: '', tag: '', from: '', to: '' };

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function readView(search: string): View {
  const params = new URLSearchParams(search);
  const text = (name: string): string => params.get(name)?.trim() ?? '';
  const date = (name: string): string => (DATE.test(text(name)) ? text(name) : '');
  return {
    page: params.get('view') === 'trash' ? 'trash' : 'photos',
    filters: { user: text('user'), tag: text('tag'), from: date('from'), to: date('to') },
  };
}

export function viewUrl(view: View): string {
  const params = new URLSearchParams();
  if (view.page === 'trash') params.set('view', 'trash');
  else for (const [name, value] of Object.entries(view.filters)) if (value !== '') params.set(name, value);
  const search = params.toString();
  return search === '' ? location.pathname : `${location.pathname}?${search}`;
}

export const hasFilters = (filters: Filters): boolean => Object.values(filters).some((value) => value !== '');

/** The view in the URL, and a way to go to another one (a new history entry). */
export function useView(): [View, (view: View) => void] {
  const [view, setView] = useState(() => readView(location.search));
  useEffect(() => {
    const onPop = (): void => setView(readView(location.search));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const go = (next: View): void => {
    const url = viewUrl(next);
    if (url !== `${location.pathname}${location.search}`) history.pushState(null, '', url);
    setView(readView(location.search));
  };
  return [view, go];
}

/** Whether a newly uploaded photo belongs in the list the filters describe. */
export function matchesFilters(image: { user_id: string; tags: string[]; created_at: string }, filters: Filters): boolean {
  if (filters.user !== '' && image.user_id !== filters.user) return false;
  const wanted = filters.tag
    .split(',')
    .map((tag) => tag.trim().toLowerCase())
    .filter((tag) => tag !== '');
  if (wanted.length > 0 && !image.tags.some((tag) => wanted.includes(tag))) return false;
  const created = Date.parse(image.created_at);
  if (filters.from !== '' && created < Date.parse(`${filters.from}T00:00:00Z`)) return false;
  // A date-only end includes that whole day, as the API reads it.
  if (filters.to !== '' && created >= Date.parse(`${filters.to}T00:00:00Z`) + 86_400_000) return false;
  return true;
}
