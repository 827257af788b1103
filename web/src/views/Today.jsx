// Today: the day's recordings as they are captured and transcribed, what was said in each, and
// the day's speech against the plan. Polls while anything is still being transcribed.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { dayRange } from '../day.js';
import { formatTime, t } from '../i18n.js';
import { Capture } from './Capture.jsx';
import { Why } from './Why.jsx';

const POLL_MS = 3000;            // while recordings are being transcribed
const UNDERSTANDING_POLL_MS = 30000;  // while a conversation waits to be understood

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
  const episodes = await api('GET', `/v1/episodes?${query}`);
  const conversations = await Promise.all(episodes.items.map((e) => api('GET', `/v1/episodes/${e.id}`)));
  conversations.sort((a, b) => a.started_at.localeCompare(b.started_at));
  let usage = null;
  try {
    usage = await api('GET', '/v1/billing/usage');
  } catch {
    // a server without billing: no figures
  }
  return { recordings, conversations, usage };
}

function Conversation({ c }) {
  const e = c.enrichment;
  const emotion = e?.emotion?.fields?.quadrant;
  return (
    <li class="conversation-card" data-state={c.state}>
      <p class="when">
        <time datetime={c.started_at}>{formatTime(c.started_at)}</time>–<time datetime={c.ended_at}>{formatTime(c.ended_at)}</time>
        {c.state === 'open' && <span class="count"> · {t.ongoing}</span>}
      </p>
      {!e && <p class="state">{c.state === 'open' ? t.stillTalking : t.beingUnderstood}</p>}
      {e?.summary && (
        <div class="row"><p class="said">{e.summary.text}</p><Why url={e.summary.explain_url} label={e.summary.text} /></div>
      )}
      {emotion && <p class="count">{t.feeling}: {emotion}</p>}
      {e?.actions.length > 0 && <ul class="todo">{e.actions.map((a) => <li key={a.id}>{a.text}</li>)}</ul>}
      {e?.people.length > 0 && <p class="count">{t.people}: {e.people.map((p) => p.text).join(', ')}</p>}
    </li>
  );
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
        } else if (loaded.conversations.some((c) => !c.enrichment)) {
          timer = setTimeout(refresh, UNDERSTANDING_POLL_MS);
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
      <Capture />
      {problem && <p role="status" class="problem">{problem}</p>}
      {!day && !problem && <p aria-busy="true">{t.loading}</p>}
      {day && <Usage usage={day.usage} />}
      {day && day.conversations.length > 0 && (
        <>
          <h2>{t.conversations}</h2>
          <ol class="timeline">{day.conversations.map((c) => <Conversation key={c.id} c={c} />)}</ol>
        </>
      )}
      {day && (
        <>
          <h2>{t.recordings}</h2>
          {day.recordings.length === 0 ? <p>{t.nothingToday}</p> : <ol class="timeline">{day.recordings.map((r) => <Recording key={r.id} r={r} />)}</ol>}
        </>
      )}
    </section>
  );
}
