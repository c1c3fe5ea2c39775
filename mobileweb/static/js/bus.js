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
