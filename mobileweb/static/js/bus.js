// In-page events and the BroadcastChannel to other tabs of the app.
const target = new EventTarget();
const channel = 'BroadcastChannel' in self ? new BroadcastChannel('vardag') : null;

// on listens for an event from this tab or another.
export function on(type, fn) {
  target.addEventListener(type, e => fn(e.detail));
}

// emit tells this tab only.
export function emit(type, detail = {}) {
  target.dispatchEvent(new CustomEvent(type, { detail }));
}

// broadcast tells this tab and the others (after a sync, an outbox change, a logout).
export function broadcast(type, detail = {}) {
  emit(type, detail);
  if (channel) channel.postMessage({ type, detail });
}

if (channel) {
  channel.onmessage = e => {
    if (e.data && e.data.type) emit(e.data.type, { ...e.data.detail, remote: true });
  };
}

// Requests within this tab: a screen asks the app (main.js) for what only it does —
// open the app after the login, show the address again after an unlock, show the login
// — without importing it (main.js imports the screens). main.js handles each type once;
// ask answers what the handler answers (its promise: the caller waits for it and sees
// its error), and fails when nothing handles the type.
const handlers = new Map();

export function handle(type, fn) {
  handlers.set(type, fn);
}

export async function ask(type, ...args) {
  const fn = handlers.get(type);
  if (!fn) throw new Error(`vardag: nothing handles "${type}"`);
  return fn(...args);
}
