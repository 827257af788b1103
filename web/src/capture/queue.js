// The pieces of audio waiting to reach the server, in IndexedDB: a piece is written here before
// any upload starts and removed only after the server has acknowledged it, so a closed tab, a
// dead network or a server restart loses nothing.
const DB_NAME = 'reflexio-capture';
const STORE = 'pieces';

let opened = null;
function database() {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: 'id' });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opened;
}

async function run(mode, work) {
  const db = await database();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    let result;
    Promise.resolve(work(tx.objectStore(STORE))).then((r) => { result = r; });
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('the capture queue could not be written'));
  });
}

const answer = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

// piece: { id, blob, type, captured_at, created }
export function addPiece(piece) {
  return run('readwrite', (store) => { store.put(piece); });
}

export function removePiece(id) {
  return run('readwrite', (store) => { store.delete(id); });
}

export async function waitingPieces() {
  const pieces = await run('readonly', (store) => answer(store.getAll()));
  return pieces.sort((a, b) => a.created - b.created);
}

export function countWaiting() {
  return run('readonly', (store) => answer(store.count()));
}

export async function clearQueue() {
  return run('readwrite', (store) => { store.clear(); });
}
