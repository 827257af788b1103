// The microphone, armed: once permission is granted the stream, the level meter and the next
// MediaRecorder are ready, so a tap starts recording at once (the delay is measured and kept).
// Audio is cut into pieces at pauses (after MIN_PIECE_S, at a quiet moment) or at MAX_PIECE_S;
// the next piece's recorder starts before the last one stops, so nothing falls between them.
// Each finished piece goes to onPiece({ blob, type, captured_at }).
const MAX_PIECE_S = 30;
const MIN_PIECE_S = 8;
const QUIET_LEVEL = 0.02;   // RMS below this is a pause
const QUIET_FOR_MS = 400;

function recordingType() {
  for (const type of ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/mp4', 'audio/webm']) {
    if (window.MediaRecorder?.isTypeSupported?.(type)) return type;
  }
  return '';
}

export class ArmedRecorder {
  constructor(onPiece) {
    this.onPiece = onPiece;
    this.stream = null;
    this.current = null;   // { recorder, chunks, startedAt, capturedAt }
    this.next = null;      // a recorder made ahead, not yet started
    this.quietSince = null;
    this.startLatencyMs = null;
    this.type = recordingType();
  }

  get armed() { return this.stream !== null; }
  get recording() { return this.current !== null; }

  async arm() {
    if (this.stream) return;
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
    this.audio = new AudioContext();
    const source = this.audio.createMediaStreamSource(this.stream);
    this.analyser = this.audio.createAnalyser();
    this.analyser.fftSize = 1024;
    source.connect(this.analyser);
    this.samples = new Float32Array(this.analyser.fftSize);
    this.next = this.makeRecorder();
  }

  makeRecorder() {
    return new MediaRecorder(this.stream, this.type ? { mimeType: this.type, audioBitsPerSecond: 32000 } : undefined);
  }

  // The microphone's level now, 0 to 1 (RMS).
  level() {
    if (!this.analyser) return 0;
    this.analyser.getFloatTimeDomainData(this.samples);
    let sum = 0;
    for (const s of this.samples) sum += s * s;
    return Math.sqrt(sum / this.samples.length);
  }

  // Starts recording; `tappedAt` is the tap's event.timeStamp, to measure how soon it started.
  start(tappedAt = performance.now()) {
    if (this.current) return;
    this.audio.resume();
    this.sessionStartedAt = performance.now();
    this.begin(tappedAt);
    this.timer = setInterval(() => this.watch(), 100);
  }

  begin(tappedAt) {
    const recorder = this.next ?? this.makeRecorder();
    this.next = null;
    const piece = { recorder, chunks: [], startedAt: performance.now(), capturedAt: new Date().toISOString() };
    recorder.ondataavailable = (e) => { if (e.data.size > 0) piece.chunks.push(e.data); };
    recorder.onstop = () => {
      const type = recorder.mimeType || this.type || 'audio/webm';
      if (piece.chunks.length > 0) this.onPiece({ blob: new Blob(piece.chunks, { type }), type, captured_at: piece.capturedAt });
    };
    if (tappedAt !== undefined) {
      recorder.onstart = () => { this.startLatencyMs = performance.now() - tappedAt; };
    }
    recorder.start();
    const previous = this.current;
    this.current = piece;
    this.quietSince = null;
    if (previous) previous.recorder.stop();  // after the next one started: nothing falls between
    this.next = this.makeRecorder();
  }

  // Cuts at a pause once the piece is long enough, and always at MAX_PIECE_S.
  watch() {
    if (!this.current) return;
    const age = (performance.now() - this.current.startedAt) / 1000;
    const quiet = this.level() < QUIET_LEVEL;
    this.quietSince = quiet ? (this.quietSince ?? performance.now()) : null;
    const paused = this.quietSince !== null && performance.now() - this.quietSince >= QUIET_FOR_MS;
    if (age >= MAX_PIECE_S || (age >= MIN_PIECE_S && paused)) this.begin(undefined);
  }

  stop() {
    clearInterval(this.timer);
    if (!this.current) return;
    this.current.recorder.stop();
    this.current = null;
  }

  elapsedSeconds() {
    return this.current ? (performance.now() - this.sessionStartedAt) / 1000 : 0;
  }

  disarm() {
    this.stop();
    this.stream?.getTracks().forEach((track) => track.stop());
    this.audio?.close();
    this.stream = null;
    this.next = null;
  }
}
