// Sends the waiting pieces, oldest first, each with its capture time and its own Idempotency-Key
// (so a piece whose acknowledgement was lost is stored once, however often it is sent). A piece
// leaves the queue only after the server's 202; refused ones (bad audio) are dropped with a
// note; over the day's minutes (402) the pieces stay and wait for the reset; without a network
// or server they wait and are retried with backoff, when the browser comes online, and when the
// app starts again. One uploader runs per browser at a time (a Web Lock), whatever the tabs.
import { countWaiting, removePiece, waitingPieces } from './queue.js';

const listeners = new Set();
let state = { waiting: 0, sending: false, sent: 0, blocked: null, problem: null, rejected: [] };
let retryTimer = null;
let retryDelayMs = 2000;
let draining = null;

function publish(change) {
  state = { ...state, ...change };
  listeners.forEach((listener) => listener(state));
}

export function uploadState() {
  return state;
}

export function onUploadState(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function retryIn(ms) {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(drain, ms);
}

// One piece: 'done' (acknowledged or refused for good), 'wait' (try later), 'stop' (signed out).
async function send(piece, csrfToken) {
  let response;
  try {
    response = await fetch('/v1/recordings', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': piece.type, 'X-Captured-At': piece.captured_at, 'Idempotency-Key': piece.id,
                 'X-CSRF-Token': csrfToken() ?? '' },
      body: piece.blob,
    });
  } catch {
    publish({ problem: 'offline' });
    return 'wait';
  }
  if (response.ok) return 'done';
  const error = (await response.json().catch(() => null))?.error ?? {};
  if (response.status === 402) {
    publish({ blocked: { resets_at: error.details?.resets_at ?? null, message: error.message } });
    return 'wait';
  }
  if (response.status === 401 || response.status === 403) {
    publish({ problem: 'signed_out' });
    return 'stop';
  }
  if (response.status === 429 || response.status >= 500) {
    publish({ problem: error.message ?? `HTTP ${response.status}` });
    return 'wait';
  }
  publish({ rejected: [...state.rejected, { captured_at: piece.captured_at, message: error.message ?? `HTTP ${response.status}` }] });
  return 'done';
}

async function drainOnce(csrfToken) {
  for (const piece of await waitingPieces()) {
    publish({ sending: true });
    const outcome = await send(piece, csrfToken);
    if (outcome !== 'done') {
      publish({ sending: false, waiting: await countWaiting() });
      if (outcome === 'wait') {
        const resetsAt = state.blocked?.resets_at ? Date.parse(state.blocked.resets_at) - Date.now() : Infinity;
        retryIn(Math.max(1000, Math.min(resetsAt, retryDelayMs)));
        retryDelayMs = Math.min(retryDelayMs * 2, 60000);
      }
      return;
    }
    await removePiece(piece.id);
    retryDelayMs = 2000;
    publish({ sent: state.sent + 1, waiting: await countWaiting(), blocked: null, problem: null });
    window.dispatchEvent(new CustomEvent('reflexio:uploaded'));
  }
  publish({ sending: false, waiting: 0 });
}

let csrfSource = () => null;

// Sends what waits; concurrent calls share one pass, and a call during a pass runs another after it.
export function drain() {
  if (draining) {
    draining.again = true;
    return draining.done;
  }
  const pass = { again: false };
  const body = async () => {
    do {
      pass.again = false;
      if (navigator.locks) await navigator.locks.request('reflexio-upload', () => drainOnce(csrfSource));
      else await drainOnce(csrfSource);
    } while (pass.again);
  };
  pass.done = body().catch((error) => publish({ sending: false, problem: error.message })).finally(() => { draining = null; });
  draining = pass;
  return pass.done;
}

// Starts sending what an earlier visit left behind, and keeps at it.
export async function startUploader(csrfToken) {
  csrfSource = csrfToken;
  publish({ waiting: await countWaiting() });
  window.addEventListener('online', () => { retryDelayMs = 2000; drain(); });
  drain();
}
