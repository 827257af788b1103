// The capture of this page: one armed recorder whose pieces go to the queue and on to the
// uploader. It outlives the views, so moving between them does not stop a recording. In
// continuous mode the screen is kept awake (where the browser offers a wake lock) and the lock
// is taken again whenever the page comes back into view.
import { getCsrfToken } from '../api.js';
import { addPiece, countWaiting } from './queue.js';
import { drain, startUploader } from './uploader.js';
import { ArmedRecorder } from './recorder.js';

const listeners = new Set();
let recorder = null;
let wakeLock = null;
let continuous = false;
let state = { armed: false, recording: false, startLatencyMs: null, starts: 0, pieces: 0, problem: null, continuous: false, wakeLock: false };

function publish(change) {
  state = { ...state, ...change };
  listeners.forEach((listener) => listener(state));
}

export function captureState() { return state; }
export function onCaptureState(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
export function level() { return recorder?.level() ?? 0; }
export function elapsedSeconds() { return recorder?.elapsedSeconds() ?? 0; }

async function keepPiece(piece) {
  await addPiece({ ...piece, id: crypto.randomUUID(), created: Date.now() });
  publish({ pieces: state.pieces + 1 });
  drain();
}

export async function arm() {
  recorder ??= new ArmedRecorder((piece) => keepPiece(piece).catch((e) => publish({ problem: e.message })));
  try {
    await recorder.arm();
    publish({ armed: true, problem: null });
  } catch (error) {
    publish({ problem: error.name === 'NotAllowedError' ? 'microphone_denied' : error.message });
    throw error;
  }
}

// Whether the browser already lets this page use the microphone (then arming asks nothing).
export async function microphoneGranted() {
  try {
    return (await navigator.permissions.query({ name: 'microphone' })).state === 'granted';
  } catch {
    return false;
  }
}

export async function toggle(tappedAt) {
  if (!recorder?.armed) await arm();
  if (recorder.recording) {
    recorder.stop();
    await releaseWakeLock();
    publish({ recording: false });
    return;
  }
  recorder.startLatencyMs = null;
  recorder.start(tappedAt);
  publish({ recording: true });
  if (continuous) await takeWakeLock();
  // The start event comes a moment later: report how long the tap took to become a recording.
  const waitForStart = () => (recorder.startLatencyMs === null
    ? setTimeout(waitForStart, 5)
    : publish({ startLatencyMs: recorder.startLatencyMs, starts: state.starts + 1 }));
  waitForStart();
}

async function takeWakeLock() {
  if (!('wakeLock' in navigator) || wakeLock) return;
  try {
    wakeLock = await navigator.wakeLock.request('screen');
    wakeLock.addEventListener('release', () => { wakeLock = null; publish({ wakeLock: false }); });
    publish({ wakeLock: true });
  } catch {
    publish({ wakeLock: false });
  }
}

async function releaseWakeLock() {
  await wakeLock?.release().catch(() => {});
  wakeLock = null;
}

export async function setContinuous(on) {
  continuous = on;
  publish({ continuous: on });
  if (on && recorder?.recording) await takeWakeLock();
  if (!on) await releaseWakeLock();
}

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible' && continuous && recorder?.recording) takeWakeLock();
});

export async function startCapture() {
  await startUploader(getCsrfToken);
  publish({ waiting: await countWaiting() });
}
