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
