import type { ServiceIdentifier } from 'inversify';
import type { BlobStore } from '../core/ports/blob-store.port.ts';
import type { Clock } from '../core/ports/clock.port.ts';
import type { IdGenerator } from '../core/ports/id-generator.port.ts';
import type { ImageCatalog } from '../core/ports/image-catalog.port.ts';
import type { ImageProbe } from '../core/ports/image-probe.port.ts';
import type { PageTokens } from '../core/ports/page-tokens.port.ts';
import type { PendingUploads } from '../core/ports/pending-uploads.port.ts';
import type { CheckReadiness } from '../core/use-cases/check-readiness.ts';
import type { CompleteDirectUpload, StartDirectUpload, SweepExpiredUploads } from '../core/use-cases/direct-upload.ts';
import type { DeleteImage, ListTrash, RestoreImage } from '../core/use-cases/trash.ts';
import type { EditImage } from '../core/use-cases/edit-image.ts';
import type { EraseUserImages, Eraser, PurgeExpired, PurgeImage } from '../core/use-cases/purge.ts';
import type { Idempotency } from '../core/use-cases/idempotency.ts';
import type { ErasureRequests } from '../core/ports/erasure-requests.port.ts';
import type { IdempotencyStore } from '../core/ports/idempotency-store.port.ts';
import type { GetImage, ListImages } from '../core/use-cases/read-images.ts';
import type { UploadImage } from '../core/use-cases/upload-image.ts';
import type { Originals } from '../core/use-cases/originals.ts';
import type { ImageUrls } from '../core/use-cases/image-urls.ts';
import type { ProcessImage } from '../core/use-cases/process-image.ts';
import type { ImageProcessor } from '../core/ports/image-processor.port.ts';
import type { ProcessingQueue } from '../core/ports/processing-queue.port.ts';
import type { SelfServedStore } from '../adapters/system/self-served-store.ts';
import type { Logger } from './logger.ts';
import type { Config } from './config.ts';
import type { Storage } from './storage/storage.ts';
import type { DispatchDeps } from './http/dispatch.ts';

declare const service: unique symbol;

/**
 * A symbol that remembers the type bound to it, so `bindTo(TOKENS.Clock)` and
 * `resolve(TOKENS.Clock)` are checked by the compiler (a bare symbol would let any class through).
 */
export type Token<T> = ServiceIdentifier<T> & symbol & { readonly [service]?: T };

const token = <T>(name: string): Token<T> => Symbol.for(`image.${name}`) as Token<T>;

export const TOKENS = {
  Config: token<Config>('Config'),
  Logger: token<Logger>('Logger'),
  /** The configured stores with their setup and shutdown. */
  Storage: token<Storage>('Storage'),
  BlobStore: token<BlobStore>('BlobStore'),
  ImageCatalog: token<ImageCatalog>('ImageCatalog'),
  ImageProbe: token<ImageProbe>('ImageProbe'),
  PendingUploads: token<PendingUploads>('PendingUploads'),
  ErasureRequests: token<ErasureRequests>('ErasureRequests'),
  IdempotencyStore: token<IdempotencyStore>('IdempotencyStore'),
  Clock: token<Clock>('Clock'),
  IdGenerator: token<IdGenerator>('IdGenerator'),
  PageTokens: token<PageTokens>('PageTokens'),
  /** Bound only when the store's URLs are served by the app itself (local files, memory). */
  SelfServedStore: token<SelfServedStore>('SelfServedStore'),
  UploadImage: token<UploadImage>('UploadImage'),
  GetImage: token<GetImage>('GetImage'),
  ListImages: token<ListImages>('ListImages'),
  DeleteImage: token<DeleteImage>('DeleteImage'),
  EditImage: token<EditImage>('EditImage'),
  RestoreImage: token<RestoreImage>('RestoreImage'),
  ListTrash: token<ListTrash>('ListTrash'),
  Eraser: token<Eraser>('Eraser'),
  PurgeImage: token<PurgeImage>('PurgeImage'),
  PurgeExpired: token<PurgeExpired>('PurgeExpired'),
  EraseUserImages: token<EraseUserImages>('EraseUserImages'),
  Idempotency: token<Idempotency>('Idempotency'),
  /** How long an erasure request works before it answers 202 (ms). */
  EraseBudgetMs: token<number>('EraseBudgetMs'),
  CheckReadiness: token<CheckReadiness>('CheckReadiness'),
  StartDirectUpload: token<StartDirectUpload>('StartDirectUpload'),
  CompleteDirectUpload: token<CompleteDirectUpload>('CompleteDirectUpload'),
  SweepExpiredUploads: token<SweepExpiredUploads>('SweepExpiredUploads'),
  Originals: token<Originals>('Originals'),
  ImageUrls: token<ImageUrls>('ImageUrls'),
  ProcessingQueue: token<ProcessingQueue>('ProcessingQueue'),
  /** Bound only where this process makes variants (never in the API's Lambda). */
  ImageProcessor: token<ImageProcessor>('ImageProcessor'),
  ProcessImage: token<ProcessImage>('ProcessImage'),
  /** Bound only in tests: sees every HTTP answer with its route. */
  ResponseObserver: token<NonNullable<DispatchDeps['observe']>>('ResponseObserver'),
} as const;
