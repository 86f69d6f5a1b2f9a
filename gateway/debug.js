// Live events page: subscribes to /debug/stream (Server-Sent Events) and shows each accepted
// event, newest first, and in its own tab the requests the gateway rejected, with the reason.
// Text only (textContent): events are untrusted, and any field may hold any JSON type.
const list = document.getElementById('events');
const count = document.getElementById('count');
const empty = document.getElementById('empty');
const rejectedList = document.getElementById('rejected');
const rejectedCount = document.getElementById('rejected-count');
const rejectedEmpty = document.getElementById('rejected-empty');
const statusLine = document.getElementById('status');
const seen = new Set();
let rejectedTotal = 0;
// A gateway opened with --debug-token is reached as /debug?token=...; pass it on.
const token = new URLSearchParams(location.search).get('token');
const withToken = (path) => (token ? `${path}?token=${encodeURIComponent(token)}` : path);
// The page keeps at most this many entries per list (the gateway holds the rest).
const MAX_SHOWN = 2000;

/** Any JSON value as display text: strings as they are, anything else as JSON. */
function text(v) {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v);
  } catch {
    return '';
  }
}

function cell(className, value) {
  const span = document.createElement('span');
  span.className = className;
  const t = text(value);
  span.textContent = t;
  if (t) span.title = t;
  return span;
}

function entry(summaryCells, full, data) {
  const item = document.createElement('li');
  item.className = 'event';
  for (const [k, v] of Object.entries(data)) item.dataset[k] = text(v);
  const details = document.createElement('details');
  const summary = document.createElement('summary');
  summary.append(...summaryCells);
  const pre = document.createElement('pre');
  pre.textContent = full;
  details.append(summary, pre);
  item.append(details);
  return item;
}

function render(ev) {
  const name = ev.event ?? ev.name ?? (ev.type === 'identify' ? ev.userId : ev.type === 'group' ? ev.groupId : '');
  return entry(
    [
      cell('type', ev.type),
      cell('name', name),
      cell('meta user', ev.userId ? `user ${text(ev.userId)}` : ''),
      cell('meta group', ev.groupId ? `group ${text(ev.groupId)}` : ''),
      cell('meta', `${text(ev.timestamp)} · ${text(ev.messageId)}`),
    ],
    JSON.stringify(ev, null, 2),
    { messageId: ev.messageId, type: ev.type },
  );
}

function renderRejected(r) {
  return entry(
    [cell('type', String(r.status)), cell('name', r.code), cell('meta', r.path), cell('meta', r.origin ?? ''), cell('meta', r.message)],
    `${r.at} ${r.method} ${r.path} → ${r.status} ${r.code}\n${r.message}\n\n${r.body}`,
    { code: r.code },
  );
}

function prepend(ul, item) {
  ul.prepend(item);
  while (ul.children.length > MAX_SHOWN) {
    const last = ul.lastElementChild;
    if (ul === list) seen.delete(last.dataset.messageId);
    last.remove();
  }
}

function update() {
  count.textContent = String(seen.size);
  empty.hidden = seen.size > 0;
  rejectedCount.textContent = String(rejectedTotal);
  rejectedEmpty.hidden = rejectedTotal > 0;
}

function clearAll() {
  seen.clear();
  list.replaceChildren();
  rejectedTotal = 0;
  rejectedList.replaceChildren();
  update();
}

function addRejected(r) {
  rejectedTotal++;
  prepend(rejectedList, renderRejected(r));
  update();
}

async function loadRejected() {
  const res = await fetch(withToken('/debug/rejected'));
  if (!res.ok) return;
  rejectedTotal = 0;
  rejectedList.replaceChildren();
  for (const r of await res.json()) addRejected(r);
}

// Tabs: one panel shown at a time (the hidden attribute, no inline styles).
for (const name of ['accepted', 'rejected']) {
  document.getElementById(`tab-${name}`).addEventListener('click', () => {
    for (const other of ['accepted', 'rejected']) {
      document.getElementById(`tab-${other}`).setAttribute('aria-selected', String(other === name));
      document.getElementById(`panel-${other}`).hidden = other !== name;
    }
  });
}

const source = new EventSource(withToken('/debug/stream'));
source.addEventListener('open', () => {
  // On (re)connect the server replays the events it holds: start from empty.
  clearAll();
  loadRejected().catch(() => {});
  statusLine.textContent = 'live';
  statusLine.classList.add('live');
});
source.addEventListener('error', () => {
  statusLine.textContent = 'reconnecting…';
  statusLine.classList.remove('live');
});
source.addEventListener('message', (msg) => {
  let ev;
  try {
    ev = JSON.parse(msg.data);
  } catch {
    return;
  }
  if (!ev || typeof ev !== 'object' || seen.has(ev.messageId)) return;
  seen.add(ev.messageId);
  try {
    prepend(list, render(ev));
  } catch {
    // One odd event never stops the page.
  }
  update();
});
source.addEventListener('rejected', (msg) => {
  try {
    addRejected(JSON.parse(msg.data));
  } catch {
    // ignore
  }
});
source.addEventListener('reset', clearAll);

document.getElementById('reset').addEventListener('click', async () => {
  await fetch(withToken('/debug/reset'), { method: 'POST' });
});

update();
