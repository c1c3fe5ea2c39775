// The store's name and version, and a look into it that never makes it: shared by the
// page (db.js opens the store through idb) and the service worker (sw.js, a module
// worker), which must neither create a store nor hold one open (a logout deletes it).
// Plain IndexedDB, no imports: the worker loads this file and nothing else.
export const DB_NAME = 'vardag';
export const DB_VERSION = 2;

// storeListed tells whether the browser lists the store (indexedDB.databases()).
export async function storeListed() {
  return (await indexedDB.databases()).some(d => d.name === DB_NAME);
}

// openExisting opens the store as it is, never creating or upgrading it: when it went
// since it was listed, the open is aborted (nothing is made) and fails.
function openExisting() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onupgradeneeded = () => { req.transaction.abort(); };
  });
}

// readMeta reads a value of the store's meta without creating anything: undefined when
// there is no store or no meta in it. The store is closed again at once.
export async function readMeta(key) {
  if (!(await storeListed())) return undefined;
  const d = await openExisting();
  try {
    if (!d.objectStoreNames.contains('meta')) return undefined;
    return await new Promise((resolve, reject) => {
      const r = d.transaction('meta').objectStore('meta').get(key);
      r.onsuccess = () => resolve(r.result);
      r.onerror = () => reject(r.error);
    });
  } finally {
    d.close();
  }
}

// writeMeta puts a value in the meta of the store there is, and closes it again; it
// fails when there is none (it never makes one).
export async function writeMeta(key, value) {
  const d = await openExisting();
  try {
    await new Promise((resolve, reject) => {
      const tx = d.transaction('meta', 'readwrite');
      tx.objectStore('meta').put(value, key);
      tx.oncomplete = () => resolve();
      tx.onerror = tx.onabort = () => reject(tx.error);
    });
  } finally {
    d.close();
  }
}
