import { Container } from 'inversify';
import type { BlobStore } from '../core/ports/blob-store.port.ts';
import type { Clock } from '../core/ports/clock.port.ts';
import type { IdGenerator } from '../core/ports/id-generator.port.ts';
import type { ImageCatalog } from '../core/ports/image-catalog.port.ts';
import type { ImageProbe } from '../core/ports/image-probe.port.ts';
import { CheckReadiness } from '../core/use-cases/check-readiness.ts';
import { CompleteDirectUpload, StartDirectUpload, SweepExpiredUploads } from '../core/use-cases/direct-upload.ts';
import { DeleteImage, ListTrash, RestoreImage } from '../core/use-cases/trash.ts';
import { EditImage } from '../core/use-cases/edit-image.ts';
import { EraseUserImages, Eraser, PurgeExpired, PurgeImage } from '../core/use-cases/purge.ts';
import { Idempotency } from '../core/use-cases/idempotency.ts';
import { GetImage, ListImages } from '../core/use-cases/read-images.ts';
import { UploadImage } from '../core/use-cases/upload-image.ts';
import { Originals } from '../core/use-cases/originals.ts';
import { ImageUrls } from '../core/use-cases/image-urls.ts';
import { ProcessImage } from '../core/use-cases/process-image.ts';
import type { ImageProcessor } from '../core/ports/image-processor.port.ts';
import type { ProcessingQueue } from '../core/ports/processing-queue.port.ts';
import { StructureScrubber } from '../adapters/probe/structure-scrubber.ts';
import { NodeContentHash } from '../adapters/system/node-content-hash.ts';
import { ExternalQueue } from './processor/external-queue.ts';
import { StructureProbe } from '../adapters/probe/structure-probe.ts';
import { HmacPageTokens } from '../adapters/system/hmac-page-tokens.ts';
import { SystemClock } from '../adapters/system/system-clock.ts';
import { UuidGenerator } from '../adapters/system/uuid-generator.ts';
import packageJson from '../package.json' with { type: 'json' };
import { randomBytes } from 'node:crypto';
import type { Config } from './config.ts';
import { createLogger } from './logger.ts';
import type { Logger } from './logger.ts';
import type { Storage } from './storage/storage.ts';
import { docRoutes } from './http/docs.ts';
import { fileRoutes } from './http/file-routes.ts';
import type { CanServe } from './http/file-routes.ts';
import { createAuthenticate } from './http/authenticate.ts';
import type { DispatchDeps } from './http/dispatch.ts';
import { createRouter } from './http/router.ts';
import { apiRoutes } from './http/routes.ts';
import type { ApiDeps } from './http/routes.ts';
import { ERASE_BUDGET_MS, lifecycleRoutes } from './http/lifecycle-routes.ts';
import type { LifecycleDeps } from './http/lifecycle-routes.ts';
import { IdempotentRequests } from './http/idempotent-requests.ts';
import { isDeleted } from '../core/image.ts';
import { webRoutes, webRoutesOptions } from './http/web-routes.ts';
import type { Route } from './http/types.ts';
import { TOKENS } from './tokens.ts';
import type { Token } from './tokens.ts';

/** Adapters a caller (a test) may supply instead of the defaults. */
export interface AdapterOverrides {
  blobStore?: BlobStore;
  catalog?: ImageCatalog;
  probe?: ImageProbe;
  clock?: Clock;
  ids?: IdGenerator;
  logger?: Logger;
  /** How long `DELETE /users/{id}/images?purge=true` works before answering 202 (tests shorten it). */
  eraseBudgetMs?: number;
  /** Sees every HTTP answer (tests check each against what its route declares). */
  observeResponses?: DispatchDeps['observe'];
  /** Where committed images wait for their variants; by default another process makes them (AWS). */
  queue?: ProcessingQueue;
  /**
   * What renders variants, where this process makes them (the local worker). Handed in rather than
   * imported here, so the API's Lambda bundle never carries sharp.
   */
  processor?: ImageProcessor;
}

/**
 * The composition root: the only place that knows which adapter serves which port. The storage
 * comes opened (apps/storage), because opening the local one is asynchronous and takes a lock.
 */
export function buildContainer(config: Config, storage: Storage, overrides: AdapterOverrides = {}): Container {
  const container = new Container({ defaultScope: 'Singleton' });
  const value = <T>(token: Token<T>, instance: T): void => void container.bind<T>(token).toConstantValue(instance);
  // Infers each dependency's type from its token, so a wrong token for a constructor fails to compile.
  const make = <T, A extends unknown[]>(token: Token<T>, factory: (...args: A) => T, deps: { [K in keyof A]: Token<A[K]> }): void =>
    void container.bind<T>(token).toResolvedValue(factory, deps as never);

  const clock = overrides.clock ?? new SystemClock();
  value(TOKENS.Config, config);
  value(TOKENS.Logger, overrides.logger ?? createLogger({ level: config.logLevel, base: { service: 'image-service' } }));
  value(TOKENS.Clock, clock);
  if (overrides.observeResponses !== undefined) value(TOKENS.ResponseObserver, overrides.observeResponses);
  value(TOKENS.IdGenerator, overrides.ids ?? new UuidGenerator());
  value(TOKENS.EraseBudgetMs, overrides.eraseBudgetMs ?? ERASE_BUDGET_MS);
  value(TOKENS.ImageProbe, overrides.probe ?? new StructureProbe());
  value(TOKENS.PageTokens, new HmacPageTokens(config.pageTokenSecret ?? storage.pageTokenSecret ?? randomBytes(32)));

  value(TOKENS.Storage, storage);
  value(TOKENS.BlobStore, overrides.blobStore ?? storage.blobStore);
  value(TOKENS.ImageCatalog, overrides.catalog ?? storage.catalog);
  value(TOKENS.PendingUploads, storage.pending);
  value(TOKENS.ErasureRequests, storage.erasures);
  value(TOKENS.IdempotencyStore, storage.idempotency);
  if (storage.selfServed !== undefined && overrides.blobStore === undefined) value(TOKENS.SelfServedStore, storage.selfServed);

  value(TOKENS.ProcessingQueue, overrides.queue ?? new ExternalQueue());
  value(TOKENS.Originals, new Originals(new StructureScrubber(), new NodeContentHash(), config.keepOriginalMetadata));
  if (overrides.processor !== undefined) {
    value(TOKENS.ImageProcessor, overrides.processor);
    make(TOKENS.ProcessImage, (blobs, catalog, processor, clock) => new ProcessImage(blobs, catalog, processor, clock), [
      TOKENS.BlobStore,
      TOKENS.ImageCatalog,
      TOKENS.ImageProcessor,
      TOKENS.Clock,
    ]);
  }

  make(TOKENS.UploadImage, (blobs, catalog, probe, originals, queue, clock, ids) => new UploadImage(blobs, catalog, probe, originals, queue, clock, ids), [
    TOKENS.BlobStore,
    TOKENS.ImageCatalog,
    TOKENS.ImageProbe,
    TOKENS.Originals,
    TOKENS.ProcessingQueue,
    TOKENS.Clock,
    TOKENS.IdGenerator,
  ]);
  make(TOKENS.ImageUrls, (blobs, originals) => new ImageUrls(blobs, originals), [TOKENS.BlobStore, TOKENS.Originals]);
  make(TOKENS.GetImage, (catalog, urls) => new GetImage(catalog, urls), [TOKENS.ImageCatalog, TOKENS.ImageUrls]);
  make(TOKENS.ListImages, (catalog, urls, tokens) => new ListImages(catalog, urls, tokens), [TOKENS.ImageCatalog, TOKENS.ImageUrls, TOKENS.PageTokens]);
  make(TOKENS.DeleteImage, (catalog, clock) => new DeleteImage(catalog, clock, config.trashDays), [TOKENS.ImageCatalog, TOKENS.Clock]);
  make(TOKENS.EditImage, (catalog, clock) => new EditImage(catalog, clock), [TOKENS.ImageCatalog, TOKENS.Clock]);
  make(TOKENS.RestoreImage, (catalog, queue, clock) => new RestoreImage(catalog, queue, clock), [TOKENS.ImageCatalog, TOKENS.ProcessingQueue, TOKENS.Clock]);
  make(TOKENS.ListTrash, (catalog, tokens, clock) => new ListTrash(catalog, tokens, clock), [TOKENS.ImageCatalog, TOKENS.PageTokens, TOKENS.Clock]);
  make(TOKENS.Eraser, (blobs, catalog) => new Eraser(blobs, catalog), [TOKENS.BlobStore, TOKENS.ImageCatalog]);
  make(TOKENS.PurgeImage, (eraser, clock) => new PurgeImage(eraser, clock), [TOKENS.Eraser, TOKENS.Clock]);
  make(TOKENS.PurgeExpired, (eraser, catalog, clock) => new PurgeExpired(eraser, catalog, clock), [TOKENS.Eraser, TOKENS.ImageCatalog, TOKENS.Clock]);
  make(TOKENS.EraseUserImages, (eraser, catalog, requests, clock) => new EraseUserImages(eraser, catalog, requests, clock), [
    TOKENS.Eraser,
    TOKENS.ImageCatalog,
    TOKENS.ErasureRequests,
    TOKENS.Clock,
  ]);
  make(TOKENS.Idempotency, (store, clock) => new Idempotency(store, clock), [TOKENS.IdempotencyStore, TOKENS.Clock]);
  make(TOKENS.StartDirectUpload, (blobs, pending, clock, ids) => new StartDirectUpload(blobs, pending, clock, ids), [
    TOKENS.BlobStore,
    TOKENS.PendingUploads,
    TOKENS.Clock,
    TOKENS.IdGenerator,
  ]);
  make(
    TOKENS.CompleteDirectUpload,
    (blobs, catalog, pending, probe, originals, queue, clock) => new CompleteDirectUpload(blobs, catalog, pending, probe, originals, queue, clock),
    [TOKENS.BlobStore, TOKENS.ImageCatalog, TOKENS.PendingUploads, TOKENS.ImageProbe, TOKENS.Originals, TOKENS.ProcessingQueue, TOKENS.Clock],
  );
  make(TOKENS.SweepExpiredUploads, (blobs, pending, clock) => new SweepExpiredUploads(blobs, pending, clock), [TOKENS.BlobStore, TOKENS.PendingUploads, TOKENS.Clock]);
  make(TOKENS.CheckReadiness, (blobs, catalog) => new CheckReadiness(blobs, catalog), [TOKENS.BlobStore, TOKENS.ImageCatalog]);
  return container;
}

export const resolve = <T>(container: Container, token: Token<T>): T => container.get<T>(token);

/**
 * An object whose properties are the use cases `tokens` name, each made by the container when a
 * request first reads it and kept from then on (they are singletons), with `values` as they are.
 * The routes read their use cases when they handle a request, so a cold start makes none of them:
 * on Lambda the first request waits for the cold start, and needs one use case at most.
 */
function resolvedOnUse<T extends object>(container: Container, tokens: { [K in keyof T]?: Token<T[K]> }, values: Partial<T>): T {
  const deps = { ...values } as T;
  for (const key of Object.keys(tokens) as (keyof T & string)[]) {
    Object.defineProperty(deps, key, {
      enumerable: true,
      configurable: true,
      get: () => {
        const instance = resolve(container, tokens[key]!);
        Object.defineProperty(deps, key, { value: instance, enumerable: true });
        return instance;
      },
    });
  }
  return deps;
}

/** Every HTTP route of the service; both entry points serve exactly this list. */
export function httpRoutes(container: Container): Route[] {
  const identity = resolve(container, TOKENS.Config).identity.mode;
  const api = apiRoutes(
    resolvedOnUse<ApiDeps>(
      container,
      {
        upload: TOKENS.UploadImage,
        getImage: TOKENS.GetImage,
        listImages: TOKENS.ListImages,
        readiness: TOKENS.CheckReadiness,
        startUpload: TOKENS.StartDirectUpload,
        completeUpload: TOKENS.CompleteDirectUpload,
      },
      { version: packageJson.version, identity },
    ),
  );
  const lifecycle = lifecycleRoutes(
    resolvedOnUse<LifecycleDeps>(
      container,
      {
        getImage: TOKENS.GetImage,
        editImage: TOKENS.EditImage,
        deleteImage: TOKENS.DeleteImage,
        restoreImage: TOKENS.RestoreImage,
        listTrash: TOKENS.ListTrash,
        purgeImage: TOKENS.PurgeImage,
        eraseUser: TOKENS.EraseUserImages,
        urls: TOKENS.ImageUrls,
      },
      { identity, eraseBudgetMs: resolve(container, TOKENS.EraseBudgetMs) },
    ),
  );
  const declared = [...api, ...lifecycle];
  const routes = [...declared, ...docRoutes(packageJson.version, declared)];
  routes.push(...webRoutes(webRoutesOptions(resolve(container, TOKENS.Config))));
  if (container.isBound(TOKENS.SelfServedStore)) routes.push(...fileRoutes(resolve(container, TOKENS.SelfServedStore), liveObjects(resolve(container, TOKENS.ImageCatalog))));
  return routes;
}

// The keys newImage and the pipeline give an image's files: `images/{id}.{ext}`, `variants/{id}/{name}`.
const IMAGE_ID_OF_KEY = /^(?:images\/([A-Za-z0-9_-]{1,64})\.[a-z]{3,4}|variants\/([A-Za-z0-9_-]{1,64})\/[a-z]+\.[a-z]{3,4})$/;

/** A deleted image's files stop being served at once, whatever URLs were handed out before the delete. */
function liveObjects(catalog: ImageCatalog): CanServe {
  return async (key) => {
    const match = IMAGE_ID_OF_KEY.exec(key);
    const id = match?.[1] ?? match?.[2];
    if (id === undefined) return false;
    const image = await catalog.get(id);
    return image !== undefined && !isDeleted(image);
  };
}

/** What both entry points hand every request to: the routes, the authenticator and the logger. */
export function dispatchDeps(container: Container): DispatchDeps {
  const routes = httpRoutes(container);
  return {
    route: createRouter(routes),
    methods: [...new Set(routes.map((route) => route.method))],
    authenticate: createAuthenticate(resolve(container, TOKENS.Config).identity),
    logger: resolve(container, TOKENS.Logger),
    idempotent: new IdempotentRequests(resolve(container, TOKENS.Idempotency), resolve(container, TOKENS.Config).identity.mode),
    ...(container.isBound(TOKENS.ResponseObserver) ? { observe: resolve(container, TOKENS.ResponseObserver) } : {}),
  };
}
