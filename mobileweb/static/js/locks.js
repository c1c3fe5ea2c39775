// Web Locks between the app's tabs, with a plain fallback where the API is missing.
const held = new Map();

export function withLock(name, fn) {
  if (navigator.locks && navigator.locks.request) return navigator.locks.request(name, fn);
  // Fallback (one tab only): chain callers in this tab.
  const prev = held.get(name) || Promise.resolve();
  const run = prev.then(fn, fn);
  held.set(name, run.catch(() => {}));
  return run;
}
