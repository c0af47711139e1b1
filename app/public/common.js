// What both pages share: the app's token carried into every URL, element building (text always
// as text nodes and attributes, never HTML), and JSON calls whose errors carry the server's words.
'use strict';
const token = new URLSearchParams(location.search).get('token');
const withToken = (url) => (token ? `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : url);
for (const a of document.querySelectorAll('a[data-keep]')) a.href = withToken(a.getAttribute('href'));
const $ = (id) => document.getElementById(id);
const SVG_TAGS = new Set(['svg', 'rect', 'text', 'g']);
const el = (tag, attrs = {}, ...children) => {
  const e = SVG_TAGS.has(tag) ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) e.setAttribute(k, String(v));
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
};
async function api(url, init) {
  const res = await fetch(withToken(url), init);
  const body = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
  if (!res.ok) throw new Error(body.error || `HTTP ${res.status}`);
  return body;
}
