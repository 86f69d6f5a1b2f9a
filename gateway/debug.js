// Live events page: subscribes to /debug/stream (Server-Sent Events) and shows
// each accepted event, newest first. Text only (textContent): events are untrusted.
const list = document.getElementById('events');
const count = document.getElementById('count');
const empty = document.getElementById('empty');
const status = document.getElementById('status');
const seen = new Set();

function cell(className, text) {
  const span = document.createElement('span');
  span.className = className;
  span.textContent = text ?? '';
  if (text) span.title = text;
  return span;
}

function render(ev) {
  const item = document.createElement('li');
  item.className = 'event';
  item.dataset.messageId = ev.messageId;
  item.dataset.type = ev.type;
  const details = document.createElement('details');
  const summary = document.createElement('summary');
  summary.append(
    cell('type', ev.type),
    cell('name', ev.event ?? ev.name ?? (ev.type === 'identify' ? ev.userId : ev.type === 'group' ? ev.groupId : '')),
    cell('meta user', ev.userId ? `user ${ev.userId}` : ''),
    cell('meta group', ev.groupId ? `group ${ev.groupId}` : ''),
    cell('meta', `${ev.timestamp} · ${ev.messageId}`),
  );
  const pre = document.createElement('pre');
  pre.textContent = JSON.stringify(ev, null, 2);
  details.append(summary, pre);
  item.append(details);
  return item;
}

function update() {
  count.textContent = String(seen.size);
  empty.hidden = seen.size > 0;
}

function clearAll() {
  seen.clear();
  list.replaceChildren();
  update();
}

const source = new EventSource('/debug/stream');
source.addEventListener('open', () => {
  // On (re)connect the server replays every stored event: start from empty.
  clearAll();
  status.textContent = 'live';
  status.classList.add('live');
});
source.addEventListener('error', () => {
  status.textContent = 'reconnecting…';
  status.classList.remove('live');
});
source.addEventListener('message', (msg) => {
  let ev;
  try {
    ev = JSON.parse(msg.data);
  } catch {
    return;
  }
  if (!ev || seen.has(ev.messageId)) return;
  seen.add(ev.messageId);
  list.prepend(render(ev));
  update();
});
source.addEventListener('reset', clearAll);

document.getElementById('reset').addEventListener('click', async () => {
  await fetch('/debug/reset', { method: 'POST' });
});

update();
