// Demo page behaviour: wires the buttons to the Datafly global (no inline handlers,
// so the page also works under a strict Content-Security-Policy).
const calls = {
  identify: ['identify', 'user-123', { email: 'jane@acme.com', name: 'Jane Doe' }],
  group: ['group', 'company-456', { name: 'Acme Corp', plan: 'enterprise' }],
  track: ['track', 'add_to_cart', { sku: 'SKU-1', price: 19.99, currency: 'USD' }],
  page: ['page', 'Pricing'],
  reset: ['reset'],
};

function logCall(method, args) {
  const list = document.getElementById('calls');
  const item = document.createElement('li');
  const shown = args.map((a) => JSON.stringify(a)).join(', ');
  item.textContent = `_df.${method}(${shown})`;
  list.prepend(item);
}

document.addEventListener('click', (e) => {
  const button = e.target instanceof Element ? e.target.closest('button[data-action]') : null;
  if (!button) return;
  const [method, ...args] = calls[button.dataset.action];
  // The stub defines window._df in <head>; calls made before d.js loads are queued.
  const df = window._df;
  if (!df || typeof df[method] !== 'function') {
    logCall(method, args);
    console.warn(`Datafly: _df.${method} is not available`);
    return;
  }
  df[method](...args);
  logCall(method, args);
});
