// The runs page: the run folders of the app's outDir, a run's report, files and summary, and a
// running run's progress over server-sent events (with the report's per-batch chart as it grows).
'use strict';
const time = (iso) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '—');
let source = null;

async function showSummary(run) {
  $('summary').replaceChildren(el('p', { class: 'muted' }, 'Loading the analysis…'));
  try {
    const s = await api(`/api/runs/${encodeURIComponent(run.id)}/summary`);
    const parts = [el('h3', {}, 'Verdicts'), el('ul', {}, ...s.verdicts.map((v) => el('li', {}, v)))];
    if (s.capacity) parts.push(el('h3', {}, `Capacity at ${s.capacity.target}`), el('p', {}, s.capacity.platforms.map((c) => `${c.platform} ${c.rps === null ? '—' : `${c.atLeast ? '≥ ' : ''}${c.rps} req/s`}`).join(', ') + '. ' + s.capacity.verdict + '.'));
    parts.push(el('h3', {}, 'Business requirements'), el('ul', {}, ...s.requirements.map((r) => el('li', {}, `${r.title}: ${r.best}`))));
    $('summary').replaceChildren(...parts);
  } catch (err) {
    $('summary').replaceChildren(el('p', { class: 'muted' }, err.message));
  }
}

function watch(run) {
  source?.close();
  $('detail').hidden = false;
  $('detail-title').textContent = `${run.name} — ${run.runId}`;
  $('summary').replaceChildren();
  $('chart').replaceChildren();
  $('live').textContent = run.status === 'running' ? 'Connecting…' : '';
  source = new EventSource(withToken(`/api/runs/${encodeURIComponent(run.id)}/events`));
  source.addEventListener('failure', (e) => {
    $('live').textContent = `Live progress stopped: ${JSON.parse(e.data).error}`;
    source.close();
  });
  source.onmessage = (e) => {
    const m = JSON.parse(e.data);
    // m.last is a stored batch row (batch from 0); shown from 1 like everywhere (shownBatch in src/schema/records.ts).
    $('live').textContent = m.status === 'running'
      ? `Running: ${m.batches} of ${m.plannedBatches} platform-batches done${m.last ? ` (last: ${m.last.platform} batch ${m.last.batch + 1})` : ''}.`
      : `${m.status}: ${m.batches} platform-batches.`;
    if (m.chart) {
      const doc = new DOMParser().parseFromString(m.chart, 'image/svg+xml');
      $('chart').replaceChildren(document.importNode(doc.documentElement, true));
    }
    if (m.status !== 'running') {
      source.close();
      void load();
      void showSummary(run); // the analysis is there now
    }
  };
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) return;
    source.close();
    if (run.status === 'running') $('live').textContent += ' (the connection to the app was lost: reload the page to follow it again)';
  };
  if (run.status !== 'running') void showSummary(run);
}

async function load() {
  try {
    const { outDir, runs } = await api('/api/runs');
    $('outdir').textContent = `Run folders in ${outDir} (newest first).`;
    const rows = runs.map((r) => {
      const open = el('td');
      if (r.files.includes('report.html')) open.append(el('a', { href: withToken(`/runs/${encodeURIComponent(r.id)}/files/report.html`), target: '_blank', rel: 'noopener' }, 'report'));
      if (r.files.includes('report.pdf')) open.append(el('a', { href: withToken(`/runs/${encodeURIComponent(r.id)}/files/report.pdf`), target: '_blank', rel: 'noopener' }, 'PDF'));
      const details = el('a', { href: '#', 'data-run': r.id }, r.status === 'running' ? 'watch' : 'summary');
      details.addEventListener('click', (e) => { e.preventDefault(); watch(r); });
      open.append(details);
      for (const f of r.files.filter((f) => !f.startsWith('report.'))) open.append(el('a', { href: withToken(`/runs/${encodeURIComponent(r.id)}/files/${f}`) }, f));
      return el('tr', { 'data-run': r.id },
        el('td', {}, el('strong', {}, r.name), el('br'), el('small', { class: 'muted' }, r.runId)),
        el('td', { class: `status-${r.status}` }, r.status),
        el('td', {}, r.platforms.join(', ')),
        el('td', { class: 'num' }, `${r.batches} / ${r.plannedBatches * r.platforms.length}`),
        el('td', {}, time(r.startedAt)),
        el('td', {}, time(r.endedAt)),
        open);
    });
    $('runs').querySelector('tbody').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'No run folders yet: `cloudbench run` writes them here.'))]));
  } catch (err) {
    $('error').textContent = `Could not list the runs: ${err.message}`;
    $('error').hidden = false;
  }
}
void load();
