import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeImage } from '../support/images.ts';
import { startServerProcess } from '../support/server-process.ts';
import type { ServerProcess } from '../support/server-process.ts';

/** The first bash block of a README section, as it is written (continuation lines joined). */
async function readmeBlock(heading: string): Promise<string> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split(`## ${heading}`)[1]?.split('\n## ')[0] ?? '';
  return (section.split('```bash')[1]?.split('```')[0] ?? '').replace(/\\\n\s*/g, '');
}

/** The curl lines of the README's "Usage examples" section, in order. */
async function readmeCurlLines(): Promise<string[]> {
  return (await readmeBlock('Usage examples')).split('\n').filter((line) => line.startsWith('curl '));
}

describe('README usage examples against npm start', function () {
  this.timeout(60_000);
  let server: ServerProcess;
  let dir: string;

  before(async () => {
    server = await startServerProcess({ LOG_LEVEL: 'warn' });
    dir = await mkdtemp(join(tmpdir(), 'readme-examples-'));
    await writeFile(join(dir, 'photo.jpg'), makeImage({ width: 800, height: 600, format: 'jpeg' }));
  });
  after(async () => {
    await server?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /** Runs one README line unchanged but for the port, returning status and parsed body. */
  const run = (line: string, env: Record<string, string> = {}): { status: number; body: unknown; raw: string } => {
    const command = `${line.replaceAll('http://localhost:8000', server.url)} -s -w '\\n%{http_code}'`;
    const out = execFileSync('bash', ['-c', command], { cwd: dir, env: { ...process.env, ...env }, encoding: 'utf8' });
    const split = out.lastIndexOf('\n');
    const raw = out.slice(0, split);
    const status = Number(out.slice(split + 1));
    let body: unknown = raw;
    try {
      body = JSON.parse(raw);
    } catch {
      // Not every answer is JSON (none of the examples today, but keep the raw text for messages).
    }
    return { status, body, raw };
  };

  it('runs every example in order with the documented answers', async () => {
    const lines = await readmeCurlLines();
    expect(lines.length).to.be.greaterThanOrEqual(10);
    const [uploadLine, ...rest] = lines;
    expect(uploadLine).to.include('-X POST');

    const uploaded = run(uploadLine!);
    expect(uploaded.status, uploaded.raw).to.equal(201);
    const body = uploaded.body as { message: string; image_id: string; image: Record<string, unknown> };
    expect(body.message).to.equal('Image uploaded successfully');
    expect(body.image).to.deep.include({ user_id: 'user123', title: 'Beautiful Sunset', description: 'A stunning sunset over the mountains', tags: ['nature', 'sunset', 'mountains'], format: 'jpeg', width: 800, height: 600, file_name: 'photo.jpg' });
    const env = { IMAGE_ID: body.image_id };

    for (const line of rest) {
      const result = run(line, env);
      const answer = result.body as Record<string, unknown>;
      expect(result.status, `${line}\n${result.raw}`).to.equal(200);
      if (line.includes('-X DELETE')) {
        expect(answer).to.deep.include({ message: 'Image deleted successfully', image_id: body.image_id });
      } else if (line.includes('/download')) {
        expect(answer).to.deep.include({ image_id: body.image_id, expires_in: 3600, content_type: 'image/jpeg' });
        expect(answer.file_size).to.equal((await readFile(join(dir, 'photo.jpg'))).length);
        const bytes = execFileSync('curl', ['-s', String(answer.download_url)]);
        expect(bytes.equals(await readFile(join(dir, 'photo.jpg'))), 'downloaded bytes equal the upload').to.equal(true);
      } else if (/\/images(\?|"|$)|\/images\?|\/users\/|\/tags\//.test(line) && !line.includes('$IMAGE_ID')) {
        const ids = (answer.images as { image_id: string }[]).map((image) => image.image_id);
        expect(ids, line).to.deep.equal([body.image_id]);
      } else if (line.includes('$IMAGE_ID')) {
        expect(answer.image_id).to.equal(body.image_id);
      }
    }

    // After the delete the image is gone from reads and listings.
    expect(run(`curl http://localhost:8000/images/${body.image_id}`).status).to.equal(404);
    expect((run('curl http://localhost:8000/images').body as { images: unknown[] }).images).to.deep.equal([]);
  });

  it('runs the edit, trash, restore and erase walk-through, keeping IMAGE_ID as the README says', async () => {
    const usage = await readmeBlock('Usage examples');
    const keep = /^#\s+(IMAGE_ID=\$\(curl .*\))$/m.exec(usage)?.[1];
    expect(keep, 'the usage block shows how to keep IMAGE_ID').to.be.a('string');
    const lines = (await readmeBlock('Edit, trash, restore, erase')).split('\n').filter((line) => /^(curl |ETAG=)/.test(line));
    expect(lines.length).to.be.greaterThanOrEqual(6);
    // One shell, as a reader pastes it: the ETag and IMAGE_ID carry from line to line.
    const script = [keep!, ...lines.map((line) => `${line} -s -o /dev/null -w '%{http_code}\\n'`.replace(/^ETAG=(.*) -s -o \/dev\/null -w .*$/, 'ETAG=$1'))].join('\n');
    const out = execFileSync('bash', ['-c', `set -e\n${script.replaceAll('http://localhost:8000', server.url)}`], { cwd: dir, encoding: 'utf8' });
    const statuses = out.trim().split('\n').map(Number);
    // edit, delete, trash, restore, erase one, erase everything (that left)
    expect(statuses, out).to.deep.equal([200, 200, 200, 200, 200, 200]);
    expect((run('curl http://localhost:8000/users/user123/images').body as { images: unknown[] }).images).to.deep.equal([]);
  });
});
