// Tags as people type them: comma-separated, checked with the service's rules before sending,
// so a typo is pointed at in the field rather than refused by the server photo after photo.

const TAG = /^[\p{L}\p{N} _-]{1,50}$/u;
export const MAX_TAGS = 10;

/** Trimmed, lower-cased and de-duplicated, as the service stores them; `problem` says what is wrong. */
export function parseTags(text: string): { tags: string[]; problem: string | null } {
  const tags = [...new Set(text.split(',').map((tag) => tag.trim().toLowerCase()).filter((tag) => tag !== ''))];
  if (tags.length > MAX_TAGS) return { tags, problem: `At most ${MAX_TAGS} tags.` };
  const bad = tags.find((tag) => !TAG.test(tag));
  return { tags, problem: bad === undefined ? null : `"${bad}" is not a valid tag: use 1 to 50 letters, digits, spaces, - or _.` };
}
