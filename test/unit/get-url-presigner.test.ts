import { expect } from 'chai';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { GetUrlPresigner } from '../../adapters/s3/get-url-presigner.ts';
import { makeS3Client } from '../../adapters/s3/s3-client.ts';
import type { S3ClientOptions } from '../../adapters/s3/s3-client.ts';

const CLIENTS: [string, S3ClientOptions & { credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } }][] = [
  ['a path-style endpoint (s3rver, LocalStack)', { region: 'us-east-1', endpoint: 'http://127.0.0.1:4569', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } }],
  ['AWS in us-east-1, virtual-hosted', { region: 'us-east-1', credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' } }],
  ['AWS in eu-west-1 with a session token (a Lambda role)', { region: 'eu-west-1', credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token/with+odd=chars' } }],
];

const KEYS = ['images/0b5e0c7e-2f4a-4b8e-9d7b-2c1e6f0a9b3d.jpg', 'variants/abc/thumb.webp', "odd key/(a)!*'+=&?#%~.png", 'été/日本語 photo.jpg'];

describe('GET URL presigner', () => {
  for (const [name, options] of CLIENTS) {
    it(`signs URLs byte-identical to getSignedUrl's: ${name}`, async () => {
      const client = makeS3Client(options);
      const presigner = new GetUrlPresigner(client, 'instagram-images-dev');
      const signingDate = new Date('2026-03-04T05:06:07.000Z');
      for (const key of KEYS) {
        for (const expiresIn of [60, 3600, 86_400]) {
          const expected = await getSignedUrl(client, new GetObjectCommand({ Bucket: 'instagram-images-dev', Key: key }), { expiresIn, signingDate });
          expect(await presigner.presign(key, expiresIn, signingDate), `${key} for ${expiresIn} s`).to.equal(expected);
        }
      }
      client.destroy();
    });
  }

  it('signs at the time of each call when no date is given', async () => {
    const client = makeS3Client(CLIENTS[1]![1]);
    const presigner = new GetUrlPresigner(client, 'bucket');
    const url = new URL(await presigner.presign('images/a.jpg', 60));
    const signedAt = Date.parse(url.searchParams.get('X-Amz-Date')!.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
    expect(Math.abs(signedAt - Date.now())).to.be.below(5000);
    expect(url.searchParams.get('X-Amz-Expires')).to.equal('60');
    client.destroy();
  });
});
