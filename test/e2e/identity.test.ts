// Who the person is, in both identity modes: a remembered "who am I" in header mode, and in jwt
// mode a token kept for the tab only, sent as a bearer token and never put in a URL.
import { expect } from 'chai';
import { SignJWT } from 'jose';
import type { Browser } from 'playwright-core';
import { startGallery } from '../support/gallery-process.ts';
import type { GalleryProcess } from '../support/gallery-process.ts';
import { closePagesExpectingNoErrors, imageFile, launchChromium, listAll, openGallery, sentForms, signInAs, inChromium, skipWithoutChromium } from './browser.ts';

const JWT = { JWT_SECRET: 'e2e-secret-e2e-secret-e2e-secret-0123456789', JWT_ISSUER: 'https://auth.example.test', JWT_AUDIENCE: 'image-service' };

const token = (sub: string, expiresIn = '1h'): Promise<string> =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(JWT.JWT_ISSUER)
    .setAudience(JWT.JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(JWT.JWT_SECRET));

describe(inChromium('gallery e2e: identity'), function () {
  this.timeout(120_000);
  let browser: Browser;
  before(async function () {
    skipWithoutChromium(this);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  afterEach(closePagesExpectingNoErrors);

  describe('header mode', () => {
    let server: GalleryProcess;
    before(async () => {
      server = await startGallery();
    });
    after(async () => server?.stop());

    it('remembers "who am I" across visits, and offers my photos and my trash', async () => {
      const { page } = await openGallery(browser, server.url);
      expect(await page.locator('html').getAttribute('data-identity')).to.equal('header');
      await page.getByRole('link', { name: 'My photos' }).waitFor({ state: 'detached' });

      await signInAs(page, 'not a name!');
      await page.getByText('Use 1 to 128 letters, digits, - or _.').waitFor();
      expect(await page.evaluate('localStorage.getItem("gallery.user")')).to.equal(null);

      await signInAs(page, 'erin');
      await page.reload();
      expect(await page.getByLabel('Who am I').inputValue()).to.equal('erin');
      await page.getByRole('link', { name: 'My photos' }).click();
      expect(new URL(page.url()).search).to.equal('?user=erin');
      await page.getByRole('link', { name: 'Trash' }).waitFor();
    });
  });

  describe('jwt mode', () => {
    let server: GalleryProcess;
    before(async () => {
      server = await startGallery({ IDENTITY: 'jwt', ...JWT });
    });
    after(async () => server?.stop());

    it('takes a token for this tab only, sends it as a bearer token, and never puts it in a URL', async () => {
      const { page, context } = await openGallery(browser, server.url);
      expect(await page.locator('html').getAttribute('data-identity')).to.equal('jwt');
      expect(await page.getByLabel('Who am I').count()).to.equal(0);
      const field = page.getByLabel('Access token');
      expect(await field.getAttribute('type')).to.equal('password');

      const dana = await token('dana');
      await field.fill(dana);
      await field.press('Enter');
      await page.getByText('Signed in as dana').waitFor();
      expect(await page.evaluate('sessionStorage.getItem("gallery.token")')).to.equal(dana);
      expect(await page.evaluate('JSON.stringify(localStorage)')).to.not.include(dana);

      const authorizations: (string | undefined)[] = [];
      page.on('request', (request) => {
        if (request.method() === 'POST') authorizations.push(request.headers().authorization);
      });
      await page.locator('#file-input').setInputFiles([imageFile('token-photo', 'png')]);
      await page.locator('.upload', { hasText: 'token-photo.png' }).locator('.upload-state', { hasText: 'Done' }).waitFor();
      expect(authorizations).to.deep.equal([`Bearer ${dana}`]);
      // The caller is the token's subject: no user_id is sent at all.
      expect((await sentForms(page)).map((form) => form.parts)).to.deep.equal([['title', 'file']]);
      const [image] = await listAll(server.url, { user_id: 'dana' });
      expect(image?.title).to.equal('token-photo');

      await page.locator(`.tile[data-image-id="${image!.image_id}"] button`).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Edit' }).waitFor();
      await page.keyboard.press('Escape');

      // Gone with the tab: another tab of the same browser (which would share localStorage) starts signed out.
      const other = await context.newPage();
      await other.goto(server.url);
      expect(await other.getByLabel('Access token').inputValue()).to.equal('');
      for (const visited of context.pages().map((open) => open.url())) expect(visited).to.not.include(dana);
      expect(page.url()).to.not.include(dana);
    });

    it('says so in words when the token is refused', async () => {
      const gallery = await openGallery(browser, server.url);
      const { page } = gallery;
      gallery.allowErrors(/Failed to load resource: the server responded with a status of 401/);
      const field = page.getByLabel('Access token');
      await field.fill(await token('frank', '-1m'));
      await field.press('Enter');
      await page.locator('#file-input').setInputFiles([imageFile('refused', 'png')]);
      const row = page.locator('.upload', { hasText: 'refused.png' });
      await row.getByRole('alert').filter({ hasText: 'Your access token is missing or was refused' }).waitFor();
      // A fresh token and a retry: the same file goes through.
      await field.fill(await token('frank'));
      await field.press('Enter');
      await row.getByRole('button', { name: 'Retry refused.png' }).click();
      await row.locator('.upload-state', { hasText: 'Done' }).waitFor();
      expect(await listAll(server.url, { user_id: 'frank' })).to.have.length(1);
    });
  });
});
