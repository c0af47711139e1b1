/** The photos that ship with cloudbench (the synthetic dataset's sources), offered as samples on the detect page. */
import fs from 'node:fs';
import path from 'node:path';

const PHOTOS = path.resolve(__dirname, '..', 'datasets', 'photos');

export function sampleNames(): string[] {
  return fs.existsSync(PHOTOS) ? fs.readdirSync(PHOTOS).filter((f) => /\.jpe?g$/i.test(f)).sort() : [];
}

/** The file of a sample by its exact name, or null: the name is matched against the list, never joined as given. */
export function samplePath(name: string): string | null {
  return sampleNames().includes(name) ? path.join(PHOTOS, name) : null;
}

/** image/jpeg or image/png from the first bytes (what the file is, whatever it claims), else null. */
export function sniffImage(b: Buffer): 'image/jpeg' | 'image/png' | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  return null;
}
