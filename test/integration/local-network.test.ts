import { expect } from 'chai';
import { networkInterfaces } from 'node:os';
import { densePng } from '../support/images.ts';
import { freePort, startServerProcess } from '../support/server-process.ts';
import type { ServerProcess } from '../support/server-process.ts';

/** An address of this machine that is not loopback, as another machine on the network would use. */
const networkAddress = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry !== undefined && entry.family === 'IPv4' && !entry.internal)?.address;

describe(`local store: serving other machines (HOST=0.0.0.0 and PUBLIC_URL)${networkAddress === undefined ? ' (pending: this machine has no network address but loopback)' : ''}`, function () {
  this.timeout(60_000);
  let server: ServerProcess | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('answers on the network address and hands out download URLs there that work', async function () {
    if (networkAddress === undefined) this.skip();
    const port = await freePort();
    const publicUrl = `http://${networkAddress}:${port}`;
    server = await startServerProcess({ PORT: String(port), HOST: '0.0.0.0', PUBLIC_URL: publicUrl, LOG_LEVEL: 'info' });
    const form = new FormData();
    const bytes = densePng(4000);
    form.append('file', new Blob([bytes]), 'far.png');
    form.append('user_id', 'remote');
    const uploaded = await fetch(`${publicUrl}/images`, { method: 'POST', body: form });
    expect(uploaded.status).to.equal(201);
    const { image } = (await uploaded.json()) as { image: { download_url: string } };
    expect(image.download_url.startsWith(`${publicUrl}/files/images/`)).to.equal(true);
    const fetched = await fetch(image.download_url);
    expect(fetched.status).to.equal(200);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(bytes)).to.equal(true);
    expect(server.output()).not.to.include('PUBLIC_URL is not set');
  });

  it('warns at start-up when it accepts other machines but PUBLIC_URL still names localhost', async function () {
    if (networkAddress === undefined) this.skip();
    server = await startServerProcess({ HOST: '0.0.0.0', LOG_LEVEL: 'info' });
    expect(server.output()).to.include('PUBLIC_URL is not set');
  });
});
