// The detect page: one image to each chosen platform's endpoint through /api/detect; boxes drawn
// over the image per platform, the detections as a table, and where the platforms disagree.
'use strict';
// Okabe–Ito and Tableau colours: one per COCO class id (mod), readable over photos.
const PALETTE = ['#E69F00', '#0072B2', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000', '#4E79A7', '#F28E2B', '#59A14F', '#B07AA1'];
const colorOf = (classId) => PALETTE[Math.abs(classId) % PALETTE.length];
let image = null; // { blob, name }
let shownUrl = null; // the object URL of the image on screen, released when the next one replaces it

function showError(message) {
  $('error').textContent = message;
  $('error').hidden = !message;
}
function choose(blob, name) {
  image = { blob, name };
  $('chosen').textContent = `${name} (${(blob.size / 1024).toFixed(0)} KiB)`;
  $('chosen').classList.remove('muted');
  updateSend();
}
function chosenPlatforms() {
  return [...document.querySelectorAll('#platforms input:checked')].map((i) => i.value);
}
function updateSend() {
  $('send').disabled = !image || chosenPlatforms().length === 0;
}
async function init() {
  try {
    const [{ platforms, maxUploadBytes }, { samples }] = await Promise.all([api('/api/platforms'), api('/api/samples')]);
    for (const p of platforms) {
      $('platforms').append(el('label', {}, el('input', { type: 'checkbox', value: p.name, checked: '' }), ` ${p.name} `, el('small', {}, `(${p.kind})`)));
    }
    for (const s of samples) $('sample').append(el('option', { value: s }, s));
    $('drop').dataset.max = maxUploadBytes;
  } catch (err) {
    showError(`The app could not load its platforms: ${err.message}`);
  }
}

$('platforms').addEventListener('change', updateSend);
$('file').addEventListener('change', () => {
  const f = $('file').files[0];
  if (f) choose(f, f.name);
});
$('sample').addEventListener('change', async () => {
  const name = $('sample').value;
  if (!name) return;
  const res = await fetch(withToken(`/samples/${encodeURIComponent(name)}`));
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    showError(`Could not load the sample ${name}: ${body.error || `HTTP ${res.status}`}`);
    return;
  }
  showError('');
  choose(await res.blob(), name);
});
for (const ev of ['dragenter', 'dragover']) $('drop').addEventListener(ev, (e) => { e.preventDefault(); $('drop').classList.add('over'); });
for (const ev of ['dragleave', 'drop']) $('drop').addEventListener(ev, () => $('drop').classList.remove('over'));
$('drop').addEventListener('drop', (e) => {
  e.preventDefault();
  const f = e.dataTransfer.files[0];
  if (f) choose(f, f.name);
});

function panel(answer, imageUrl, size) {
  const p = el('article', { class: 'panel', 'data-platform': answer.platform });
  p.append(el('h2', {}, `${answer.platform} `, el('small', { class: 'muted' }, `(${answer.kind})`)));
  if (!answer.ok) {
    p.append(el('p', { class: 'error' }, `The endpoint failed: ${answer.error}`));
    return p;
  }
  p.append(el('p', { class: 'times' }, `round trip ${answer.latencyMs.toFixed(0)} ms · model ${answer.modelMs === null ? '—' : `${answer.modelMs.toFixed(0)} ms`} · ${answer.detections.length} object${answer.detections.length === 1 ? '' : 's'}${answer.model ? ` · ${answer.model}` : ''}`));
  const svg = el('svg', { viewBox: `0 0 ${size.w} ${size.h}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': `boxes found by ${answer.platform}` });
  answer.detections.forEach((d, i) => {
    const [x1, y1, x2, y2] = d.box;
    const color = colorOf(d.classId);
    const unmatched = answer.unmatched.some((u) => u.index === i);
    svg.append(el('g', { class: 'box', 'data-label': d.label },
      el('rect', { x: x1, y: y1, width: Math.max(1, x2 - x1), height: Math.max(1, y2 - y1), fill: 'none', stroke: color, 'stroke-width': Math.max(2, size.w / 300), 'stroke-dasharray': unmatched ? '8 5' : null }),
      // Sizes in image pixels (the SVG is scaled with the image): about 1/30 of its width reads well at any size.
      el('text', { x: x1 + 3, y: Math.max(size.w / 30, y1 - 5), fill: color, 'font-size': Math.max(12, size.w / 30), 'stroke-width': Math.max(2, size.w / 250) }, `${d.label} ${(d.score * 100).toFixed(0)}%`)));
  });
  p.append(el('div', { class: 'figure' }, el('img', { src: imageUrl, alt: 'the image sent' }), svg));
  if (answer.unmatched.length) {
    // Grouped by who missed them: "not found by azure: horse, dog".
    const byMissers = new Map();
    for (const u of answer.unmatched) {
      const key = u.missedBy.join(', ');
      byMissers.set(key, [...(byMissers.get(key) || []), answer.detections[u.index].label]);
    }
    p.append(el('p', { class: 'disagree' }, `Dashed: ${[...byMissers].map(([who, labels]) => `not found by ${who}: ${labels.join(', ')}`).join('; ')}.`));
  }
  const rows = answer.detections.map((d, i) =>
    el('tr', { class: answer.unmatched.some((u) => u.index === i) ? 'unmatched' : null },
      el('td', {}, el('span', { class: 'swatch', 'data-color': colorOf(d.classId) }), d.label),
      el('td', { class: 'num' }, (d.score * 100).toFixed(1) + ' %'),
      el('td', { class: 'num' }, d.box.map((v) => v.toFixed(0)).join(', '))));
  p.append(el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'label'), el('th', { class: 'num' }, 'score'), el('th', { class: 'num' }, 'box (x1, y1, x2, y2)'))), el('tbody', {}, ...rows)));
  // Colours set from script: the content security policy forbids inline style attributes in markup.
  for (const s of p.querySelectorAll('.swatch')) s.style.background = s.dataset.color;
  return p;
}

$('detect-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!image) return;
  showError('');
  $('results').replaceChildren();
  $('send').disabled = true;
  $('status').textContent = 'Sending…';
  try {
    const names = chosenPlatforms();
    const max = Number($('drop').dataset.max || 0);
    if (max && image.blob.size > max) throw new Error(`the image is larger than ${(max / 2 ** 20).toFixed(0)} MiB, the upload limit`);
    const t = performance.now();
    const answer = await api(`/api/detect?platforms=${encodeURIComponent(names.join(','))}&iou=${encodeURIComponent($('iou').value)}`, {
      method: 'POST',
      headers: { 'Content-Type': image.blob.type || 'application/octet-stream' },
      body: image.blob,
    });
    if (shownUrl) URL.revokeObjectURL(shownUrl);
    const url = (shownUrl = URL.createObjectURL(image.blob));
    const img = new Image();
    img.src = url;
    await img.decode();
    const size = { w: img.naturalWidth, h: img.naturalHeight };
    for (const a of answer.answers) $('results').append(panel(a, url, size));
    $('status').textContent = `Done in ${(performance.now() - t).toFixed(0)} ms (page round trip).`;
  } catch (err) {
    $('status').textContent = '';
    showError(`Could not detect: ${err.message}`);
  } finally {
    updateSend();
  }
});
void init();
