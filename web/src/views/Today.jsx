// Today: the day's recordings as they are captured and transcribed, what was said in each, and
// the day's speech against the plan. Polls while anything is still being transcribed.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { dayRange } from '../day.js';
import { formatTime, t } from '../i18n.js';

const POLL_MS = 3000;

async function loadDay() {
  const { from, to } = dayRange();
  const query = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&limit=100`;
  const page = await api('GET', `/v1/recordings?${query}`);
  const recordings = await Promise.all(page.items.map(async (r) => {
    if (r.status !== 'transcribed') return { ...r, text: null };
    const transcript = await api('GET', `/v1/recordings/${r.id}/transcript`);
    return { ...r, text: transcript.segments.map((s) => s.text).join(' ') };
  }));
  recordings.sort((a, b) => a.captured_at.localeCompare(b.captured_at));
  let usage = null;
  try {
    usage = await api('GET', '/v1/billing/usage');
  } catch {
    // a server without billing: no figures
  }
  return { recordings, usage };
}

function Recording({ r }) {
  const state = { queued: t.queued, processing: t.processing, failed: t.failed }[r.status];
  return (
    <li class="recording" data-status={r.status}>
      <time datetime={r.captured_at}>{formatTime(r.captured_at)}</time>
      {state ? <p class="state">{state}</p> : <p class="said">{r.text || t.noSpeech}</p>}
    </li>
  );
}

function Usage({ usage }) {
  if (!usage) return null;
  const limit = usage.limit_minutes == null ? t.unlimited : `${t.of} ${usage.limit_minutes} ${t.minutes}`;
  return <p class="figures">{t.speechToday}: <strong>{usage.used_minutes} {t.minutes}</strong> {limit}</p>;
}

export function Today() {
  const [day, setDay] = useState(null);
  const [problem, setProblem] = useState(null);
  useEffect(() => {
    let stopped = false;
    let timer = null;
    const refresh = async () => {
      try {
        const loaded = await loadDay();
        if (stopped) return;
        setDay(loaded);
        setProblem(null);
        if (loaded.recordings.some((r) => r.status === 'queued' || r.status === 'processing')) {
          timer = setTimeout(refresh, POLL_MS);
        }
      } catch (error) {
        if (!stopped) setProblem(error.code === 'offline' ? t.offline : error.message);
      }
    };
    refresh();
    const again = () => { clearTimeout(timer); refresh(); };
    window.addEventListener('reflexio:uploaded', again);
    return () => { stopped = true; clearTimeout(timer); window.removeEventListener('reflexio:uploaded', again); };
  }, []);
  return (
    <section aria-labelledby="today-title">
      <h1 id="today-title">{t.today}</h1>
      {problem && <p role="status" class="problem">{problem}</p>}
      {!day && !problem && <p aria-busy="true">{t.loading}</p>}
      {day && <Usage usage={day.usage} />}
      {day && (
        <>
          <h2>{t.recordings}</h2>
          {day.recordings.length === 0 ? <p>{t.nothingToday}</p> : <ol class="timeline">{day.recordings.map((r) => <Recording key={r.id} r={r} />)}</ol>}
        </>
      )}
    </section>
  );
}
