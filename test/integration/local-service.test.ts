import { expect } from 'chai';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIME, makeImage, storedImage } from '../support/images.ts';
import type { TestFormat } from '../support/images.ts';
import { startServerProcess } from '../support/server-process.ts';
import type { ServerProcess } from '../support/server-process.ts';

interface ImageJson {
  image_id: string;
  user_id: string;
  tags: string[];
  created_at: string;
  download_url: string;
  content_type: string;
}

/** The service as a user runs it (`npm start`: SQLite and files under DATA_DIR), over real HTTP. */
describe('local store: the service as npm start runs it, over HTTP, data on disk', function () {
  this.timeout(120_000);
  let dataDir: string;
  let server: ServerProcess | undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'image-service-data-'));
  });
  after(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const start = async () => (server = await startServerProcess({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' }));
  const api = (path: string, init?: RequestInit) => fetch(`${server!.url}${path}`, init);
  const json = async <T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> => {
    const response = await api(path, init);
    return { status: response.status, body: (await response.json()) as T };
  };
  const upload = async (userId: string, tags: string, file: Buffer, format: TestFormat) => {
    const form = new FormData();
    form.append('file', new Blob([file], { type: 'application/octet-stream' }), `upload.${format}`);
    form.append('user_id', userId);
    form.append('tags', tags);
    form.append('title', `by ${userId}`);
    return json<{ image_id: string; image: ImageJson }>('/images', { method: 'POST', body: form });
  };
  const listIds = async (path: string): Promise<string[]> => {
    const ids: string[] = [];
    let token: string | null = null;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const query: string = token === null ? '' : `${separator}page_token=${encodeURIComponent(token)}`;
      const { status, body } = await json<{ images: ImageJson[]; next_page_token: string | null }>(`${path}${query}`);
      expect(status, path).to.equal(200);
      ids.push(...body.images.map((image) => image.image_id));
      token = body.next_page_token;
    } while (token !== null);
    return ids;
  };
  const downloadMatches = async (id: string, file: Buffer, format: TestFormat) => {
    const { body } = await json<{ download_url: string }>(`/images/${id}/download?expires_in=120`);
    const response = await fetch(body.download_url);
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.equal(MIME[format]);
    expect(Buffer.from(await response.arrayBuffer()).equals(file), 'downloaded bytes equal the upload').to.equal(true);
  };

  const shapes = {
    jpeg: { width: 640, height: 480, format: 'jpeg', size: 50_000 },
    png: { width: 300, height: 300, format: 'png', size: 20_000 },
    webp: { width: 1000, height: 200, format: 'webp', size: 9_000 },
  } as const;
  const files = { jpeg: makeImage(shapes.jpeg), png: makeImage(shapes.png), webp: makeImage(shapes.webp) };
  // What the service keeps: the padding is a comment, which the privacy scrub removes.
  const kept = { jpeg: storedImage(shapes.jpeg), webp: storedImage(shapes.webp) };
  const ids: Record<string, string> = {};

  it('uploads, lists, gets, downloads and deletes through SQLite and files', async () => {
    await start();
    const before = new Date().toISOString();
    for (const [name, user, tags, format] of [['a', 'alice', 'sea,sun', 'jpeg'], ['b', 'bob', 'sea', 'png'], ['c', 'alice', 'city', 'webp']] as const) {
      const { status, body } = await upload(user, tags, files[format], format);
      expect(status, JSON.stringify(body)).to.equal(201);
      expect(body.image.content_type).to.equal(MIME[format]);
      ids[name] = body.image_id;
    }
    const after = new Date(Date.now() + 1000).toISOString();
    expect(await listIds('/images?limit=2')).to.deep.equal([ids.c, ids.b, ids.a]);
    expect(await listIds('/users/alice/images?limit=1')).to.deep.equal([ids.c, ids.a]);
    expect(await listIds('/tags/sea/images')).to.deep.equal([ids.b, ids.a]);
    expect(await listIds('/images?tags=sun,city')).to.deep.equal([ids.c, ids.a]);
    expect(await listIds(`/images?start_date=${before}&end_date=${after}&limit=1`)).to.deep.equal([ids.c, ids.b, ids.a]);
    expect(await listIds(`/images?end_date=${before}`)).to.deep.equal([]);
    expect((await json<ImageJson>(`/images/${ids.a}`)).body.user_id).to.equal('alice');
    await downloadMatches(ids.a!, kept.jpeg, 'jpeg');
    await downloadMatches(ids.c!, kept.webp, 'webp');

    const deleted = await api(`/images/${ids.b}`, { method: 'DELETE', headers: { 'X-User-Id': 'bob' } });
    expect(deleted.status).to.equal(200);
    expect((await api(`/images/${ids.b}`)).status).to.equal(404);
    expect((await api(`/images/${ids.b}/download`)).status).to.equal(404);
    for (const path of ['/images', '/users/bob/images', '/tags/sea/images']) expect(await listIds(path), path).not.to.include(ids.b);
  });

  it('finds everything again after a restart on the same data folder', async () => {
    const token = (await json<{ next_page_token: string }>('/images?limit=1')).body.next_page_token;
    await server!.stop();
    await start();
    expect(await listIds('/images')).to.deep.equal([ids.c, ids.a]);
    expect(await listIds('/tags/sea/images')).to.deep.equal([ids.a]);
    expect((await api(`/images/${ids.b}`)).status, 'still deleted').to.equal(404);
    await downloadMatches(ids.a!, kept.jpeg, 'jpeg');
    const resumed = await json<{ images: ImageJson[] }>(`/images?limit=1&page_token=${encodeURIComponent(token)}`);
    expect(resumed.status, 'a page token from before the restart still works').to.equal(200);
    expect(resumed.body.images.map((i) => i.image_id)).to.deep.equal([ids.a]);
  });

  it('stops whole when npm alone gets SIGTERM (`kill <its pid>`): nothing is left holding the port or the data folder', async () => {
    // npm passes the signal to the shell it ran the script in; the script execs, so that is the server.
    expect(await server!.terminateNpm(), 'every process npm start started has exited').to.equal(true);
    expect(await fetch(`${server!.url}/health`).then(() => 'answered', () => 'refused')).to.equal('refused');
    await start();
    expect(await listIds('/images')).to.deep.equal([ids.c, ids.a]);
  });

  it('lists 50 concurrent uploads exactly once each', async () => {
    const file = makeImage({ width: 120, height: 90, format: 'gif', size: 3000 });
    const results = await Promise.all(Array.from({ length: 50 }, () => upload('crowd', 'busy', file, 'gif')));
    expect(results.map((r) => r.status)).to.deep.equal(Array(50).fill(201));
    const uploaded = results.map((r) => r.body.image_id).sort();
    const listed = await listIds('/users/crowd/images?limit=7');
    expect([...listed].sort()).to.deep.equal(uploaded);
    expect(new Set(listed).size).to.equal(50);
    const byTag = await listIds('/tags/busy/images?limit=100');
    expect(byTag).to.deep.equal(listed);
    const all = await listIds('/images?limit=13');
    expect(all.filter((id) => uploaded.includes(id))).to.deep.equal(listed);
  });
});
