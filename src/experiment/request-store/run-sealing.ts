/**
 * The runner's side of the columnar store: seal each platform × batch after its batch row, compact
 * at the end of the session, rebuild from the log when a run is resumed (the repair may have
 * dropped batches the old files still hold). The append log is the record: a failure here is one
 * warning, the run goes on, and readers use requests.jsonl.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RequestRow } from '../../schema/records';
import { REQUESTS_DIR } from './layout';
import { RequestSealer } from './sealer';
import { sealRunFolder } from './seal-run';

export class RunSealing {
  private sealer: RequestSealer | null = null;

  private constructor(private readonly warn: (message: string) => void) {}

  static async start(dir: string, runId: string, resumed: boolean, warn: (message: string) => void): Promise<RunSealing> {
    const s = new RunSealing(warn);
    try {
      if (resumed && fs.existsSync(path.join(dir, REQUESTS_DIR))) {
        fs.rmSync(path.join(dir, REQUESTS_DIR), { recursive: true, force: true });
        await sealRunFolder(dir);
      }
      const opened = await RequestSealer.open(dir, runId);
      if ('unavailable' in opened) s.disable(opened.unavailable);
      else s.sealer = opened;
    } catch (err) {
      s.disable((err as Error).message);
    }
    return s;
  }

  private disable(why: string): void {
    this.sealer?.close();
    this.sealer = null;
    this.warn(`the columnar request store (${REQUESTS_DIR}/) is not written: ${why.split('\n')[0]}; readers use requests.jsonl (slower)`);
  }

  async sealStep(platform: string, batch: number, rows: readonly RequestRow[]): Promise<void> {
    if (!this.sealer) return;
    try {
      await this.sealer.sealStep(platform, batch, rows);
    } catch (err) {
      this.disable((err as Error).message);
    }
  }

  /** Compacts what this session sealed; idempotent. */
  async finish(): Promise<void> {
    if (!this.sealer) return;
    try {
      await this.sealer.compact();
      this.sealer.close();
      this.sealer = null;
    } catch (err) {
      this.disable((err as Error).message);
    }
  }
}
