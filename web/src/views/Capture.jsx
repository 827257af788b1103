// One big button: tap to record, tap to stop. Shows the live level, the elapsed time, how soon
// the last tap became a recording, the pieces waiting to be sent, and why they wait (no network,
// the day's free minutes used up until a given time).
import { useEffect, useRef, useState } from 'preact/hooks';
import { arm, captureState, elapsedSeconds, level, microphoneGranted, onCaptureState, setContinuous, toggle } from '../capture/session.js';
import { onUploadState, uploadState } from '../capture/uploader.js';
import { formatTime, t } from '../i18n.js';

function clock(seconds) {
  const s = Math.floor(seconds);
  const hh = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return hh > 0 ? `${hh}:${mm}:${ss}` : `${mm}:${ss}`;
}

function useLive(recording) {
  const [live, setLive] = useState({ level: 0, elapsed: 0 });
  useEffect(() => {
    if (!recording) {
      setLive({ level: 0, elapsed: 0 });
      return undefined;
    }
    let frame;
    const tick = () => {
      setLive({ level: level(), elapsed: elapsedSeconds() });
      frame = requestAnimationFrame(tick);
    };
    tick();
    return () => cancelAnimationFrame(frame);
  }, [recording]);
  return live;
}

function Waiting({ upload }) {
  if (upload.blocked) {
    const until = upload.blocked.resets_at ? formatTime(upload.blocked.resets_at) : '';
    return <p role="status" class="problem" data-blocked="quota">{t.quotaReached(until)} {t.piecesKept(upload.waiting)}</p>;
  }
  if (upload.waiting > 0) {
    const why = upload.problem === 'offline' ? t.noNetwork : upload.problem === 'signed_out' ? t.signInToSend : '';
    return <p role="status" data-waiting={upload.waiting}>{t.piecesWaiting(upload.waiting)} {why}</p>;
  }
  return <p role="status" data-waiting="0">{upload.sent > 0 ? t.allSent : ''}</p>;
}

export function Capture() {
  const [capture, setCapture] = useState(captureState());
  const [upload, setUpload] = useState(uploadState());
  const button = useRef(null);
  useEffect(() => onCaptureState(setCapture), []);
  useEffect(() => onUploadState(setUpload), []);
  useEffect(() => {
    microphoneGranted().then((granted) => { if (granted && !captureState().armed) arm().catch(() => {}); });
  }, []);
  const live = useLive(capture.recording);
  const percent = Math.min(100, Math.round(live.level * 400));
  return (
    <section class="capture" aria-labelledby="capture-title">
      <h2 id="capture-title" class="visually-hidden">{t.capture}</h2>
      <button
        ref={button}
        type="button"
        class={capture.recording ? 'record on' : 'record'}
        aria-pressed={capture.recording ? 'true' : 'false'}
        onClick={(e) => toggle(e.timeStamp).catch(() => {})}
      >
        {capture.recording ? t.stopRecording : t.startRecording}
      </button>
      <div class="live">
        <div class="meter" role="meter" aria-label={t.level} aria-valuemin="0" aria-valuemax="100" aria-valuenow={percent}>
          <span style={{ width: `${percent}%` }} />
        </div>
        <span class="elapsed" aria-label={t.elapsed}>{clock(live.elapsed)}</span>
      </div>
      <label class="continuous" data-wake-lock={capture.wakeLock ? 'held' : 'none'}>
        <input type="checkbox" checked={capture.continuous} onChange={(e) => setContinuous(e.target.checked)} />
        {t.continuous}
      </label>
      {capture.startLatencyMs !== null && (
        <p class="figures" data-start-latency-ms={capture.startLatencyMs.toFixed(1)} data-starts={capture.starts}>{t.startedIn(Math.round(capture.startLatencyMs))}</p>
      )}
      {capture.problem && <p role="alert" class="problem">{capture.problem === 'microphone_denied' ? t.microphoneDenied : capture.problem}</p>}
      <Waiting upload={upload} />
      {upload.rejected.length > 0 && <p role="alert" class="problem">{t.rejected(upload.rejected.length)}: {upload.rejected[upload.rejected.length - 1].message}</p>}
    </section>
  );
}
