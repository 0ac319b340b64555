import { S3Client } from '@aws-sdk/client-s3';

export interface S3ClientOptions {
  region: string;
  /** Unset means AWS itself; set for s3rver, LocalStack or another S3-compatible server. */
  endpoint?: string;
  /** Unset means the SDK's default credential chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Local servers answer on one host name, so the bucket goes in the path, not the host. */
  forcePathStyle?: boolean;
}

/** The one S3 client a process uses, built so that a dead endpoint fails a request in seconds. */
export function makeS3Client(options: S3ClientOptions): S3Client {
  return new S3Client({
    ...options,
    // Passed as options, the SDK builds its own NodeHttpHandler with them, so this module
    // needs no package of its own for the handler. Without these the SDK waits on a
    // black-holed endpoint for as long as the OS lets a socket live.
    requestHandler: {
      connectionTimeout: 2_000,
      requestTimeout: 15_000,
      // Otherwise a request past requestTimeout only logs a warning and keeps waiting.
      throwOnRequestTimeout: true,
    },
    maxAttempts: 3,
    // By default the SDK adds CRC32 checksums to every upload and sends streamed bodies as
    // aws-chunked with a trailer; s3rver stores that framing as if it were the object's bytes.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}
