/**
 * Images for a load step, drawn from the dataset in a seeded order and read a few ahead of the
 * schedule, so a request's send is not delayed by a disk read and memory holds only the few
 * images in the read-ahead window, never the dataset.
 */
import type { ImageItem } from '../../datasets/types';
import { mulberry32 } from '../../random';

export interface FedImage {
  item: ImageItem;
  body: Buffer;
}

export class ImageFeed {
  private readonly ahead: Promise<FedImage>[] = [];
  private next = 0;
  private readonly order: Uint32Array;

  constructor(
    private readonly items: readonly ImageItem[],
    seed: number,
    private readonly window = 16,
  ) {
    if (items.length === 0) throw new Error('the dataset has no images');
    // A seeded permutation (Fisher–Yates), cycled through when a step needs more requests than images.
    this.order = new Uint32Array(items.length).map((_, i) => i);
    const rnd = mulberry32(seed >>> 0);
    for (let i = this.order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [this.order[i], this.order[j]] = [this.order[j], this.order[i]];
    }
    this.fill();
  }

  private fill(): void {
    while (this.ahead.length < this.window) {
      const item = this.items[this.order[this.next++ % this.order.length]];
      const read = item.read().then((body) => ({ item, body }));
      read.catch(() => {}); // surfaced when taken; a read-ahead must not be an unhandled rejection
      this.ahead.push(read);
    }
  }

  /** Resolves once the first read-ahead window is in memory (a failed read surfaces at take()). */
  async ready(): Promise<void> {
    await Promise.allSettled(this.ahead);
  }

  /** The next image of the order (its read started `window` requests ago). */
  take(): Promise<FedImage> {
    const head = this.ahead.shift() as Promise<FedImage>;
    this.fill();
    return head;
  }
}
