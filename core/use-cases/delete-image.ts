import { notFound } from '../errors.ts';
import type { Clock } from '../ports/clock.port.ts';
import type { ImageCatalog } from '../ports/image-catalog.port.ts';
import { isImageId, parseUserId } from '../rules.ts';

export class DeleteImage {
  constructor(
    private readonly catalog: ImageCatalog,
    private readonly clock: Clock,
  ) {}

  /**
   * Soft delete: the image leaves every listing and read, and its bytes stay in storage so a
   * mistaken delete can be undone by an operator.
   * @throws `validation` (bad caller id), `not_found`, `forbidden`, `gone`
   */
  async execute(id: string, callerId: string): Promise<void> {
    const caller = parseUserId(callerId, 'X-User-Id');
    if (!isImageId(id)) throw notFound(`Image ${id} was not found.`);
    await this.catalog.markDeleted(id, caller, this.clock.now().toISOString());
  }
}
