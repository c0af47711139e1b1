/**
 * Before measuring anything: one small round trip per platform (create the container, put, get
 * and delete a probe object under the run's own prefix; one inference on a bundled photo that
 * any COCO detector takes, so an odd file in the user's dataset is that file's failure, not the
 * platform's). A wrong
 * bucket, key or endpoint then stops the run at once with the platform and the service's error,
 * instead of producing hours of failed batches. Nothing here is recorded as a measurement.
 */
import type { Phase } from '../config/experiment';
import fs from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors';
import type { InferenceEndpoint, ObjectStore } from '../targets/types';

/** A photo shipped with cloudbench (src/datasets/photos, from Debian's darknet package). */
const PROBE_PHOTO = {
  name: 'dog.jpg (cloudbench\'s probe photo)',
  contentType: 'image/jpeg',
  read: () => fs.promises.readFile(path.join(__dirname, '..', 'datasets', 'photos', 'dog.jpg')),
};

function reason(err: unknown): string {
  const e = err as { name?: string; message?: string };
  return `${e?.name ?? 'Error'}: ${String(e?.message ?? err).split('\n')[0]}`;
}

export async function preflight(
  platform: string,
  clients: { store: ObjectStore; endpoint: InferenceEndpoint },
  phases: readonly Phase[],
  probeKey: string,
  /** Aborting ends the preflight at once (an interrupt): it rejects with an AbortError. */
  signal?: AbortSignal,
  sample: { name: string; contentType: string; read(): Promise<Buffer> } = PROBE_PHOTO,
): Promise<void> {
  const { store, endpoint } = clients;
  const call = { signal };
  const stopped = () => signal?.throwIfAborted();
  if (phases.includes('upload')) {
    const fail = (what: string, detail: string): never => {
      throw new UserError(`platform "${platform}": storage ${store.location} ${what}: ${detail}`);
    };
    try {
      await store.ensureContainer(call);
    } catch (err) {
      stopped();
      fail('cannot be opened or created', reason(err));
    }
    const probe = Buffer.from(`cloudbench preflight ${probeKey}`);
    const put = await store.put(probeKey, probe, probe.length, call);
    stopped();
    if (!put.ok) fail('refused an upload', `${put.errorCode}: ${put.errorMessage ?? ''}`.trim());
    const got = await store.get(probeKey, call);
    stopped();
    if (!got.record.ok) fail('refused a download', `${got.record.errorCode}: ${got.record.errorMessage ?? ''}`.trim());
    if (!got.body?.equals(probe)) fail('returned different bytes than were uploaded', `${got.body?.length ?? 0} bytes back for ${probe.length}`);
    try {
      await store.delete([probeKey], call);
    } catch (err) {
      stopped();
      fail('refused to delete the run\'s own probe object', reason(err));
    }
  }
  if (phases.includes('inference')) {
    const result = await endpoint.invoke(await sample.read(), sample.contentType, call);
    stopped();
    if (!result.record.ok) {
      throw new UserError(
        `platform "${platform}": inference endpoint ${endpoint.location} failed on ${sample.name}: ` +
          `${result.record.errorCode}: ${(result.record.errorMessage ?? '').split('\n')[0]}`,
      );
    }
  }
}
