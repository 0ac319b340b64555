import { expect } from 'chai';

export interface Listed {
  image_id: string;
  user_id: string;
  tags: string[];
  file_size: number;
}

export const USERS = ['ana', 'ben'];
export const TAGS = ['sea', 'sun', 'city'];

export async function listAll(url: string, path: string): Promise<Listed[]> {
  const found: Listed[] = [];
  let token: string | null = null;
  do {
    const query: string = `${path.includes('?') ? '&' : '?'}limit=100${token === null ? '' : `&page_token=${encodeURIComponent(token)}`}`;
    const response = await fetch(`${url}${path}${query}`);
    expect(response.status, path).to.equal(200);
    const body = (await response.json()) as { images: Listed[]; next_page_token: string | null };
    found.push(...body.images);
    token = body.next_page_token;
  } while (token !== null);
  return found;
}

export async function download(url: string, id: string): Promise<Buffer> {
  const link = (await (await fetch(`${url}/images/${id}/download?expires_in=120`)).json()) as { download_url: string };
  const response = await fetch(link.download_url);
  expect(response.status, `download of ${id}`).to.equal(200);
  return Buffer.from(await response.arrayBuffer());
}

/** No image is in one listing but missing from another, and every listed one can be downloaded whole. */
export async function expectNothingHalfStored(url: string): Promise<number> {
  const all = await listAll(url, '/images');
  const ids = new Set(all.map((image) => image.image_id));
  for (const user of USERS) {
    const mine = await listAll(url, `/users/${user}/images`);
    expect(mine.map((i) => i.image_id), `images of ${user}`).to.have.members(all.filter((i) => i.user_id === user).map((i) => i.image_id));
  }
  for (const tag of TAGS) {
    const tagged = await listAll(url, `/tags/${tag}/images`);
    expect(tagged.map((i) => i.image_id), `images tagged ${tag}`).to.have.members(all.filter((i) => i.tags.includes(tag)).map((i) => i.image_id));
    for (const image of tagged) expect(ids.has(image.image_id)).to.equal(true);
  }
  for (const image of all) expect((await download(url, image.image_id)).length, image.image_id).to.equal(image.file_size);
  return all.length;
}

