// Digests: the days built so far, and one day rendered from its JSON document — summary,
// figures, speech by hour and the day's mood as charts, conversations, actions, people and
// topics — with its PDF and a button to build it again.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { navigate, usePath } from '../router.js';

// A digest, waiting while another request builds it (202 with retry_after_seconds).
async function fetchDigest(date, method = 'GET') {
  const path = method === 'GET' ? `/v1/digests/${date}` : `/v1/digests/${date}/generate`;
  for (let attempt = 0; attempt < 60; attempt += 1) {
    const answer = await api(method, path);
    if (answer.status !== 'generating') return answer;
    await new Promise((r) => setTimeout(r, 1000 * Math.max(1, answer.retry_after_seconds)));
    method = 'GET';
  }
  throw new Error(t.stillBuilding);
}

// 0:00, 6:00, 12:00, 18:00 along the bottom of a 240-wide day.
function HourTicks() {
  return [0, 6, 12, 18].map((h) => <text key={h} x={h * 10 + 1} y="88" font-size="7" fill="#4d4d4d">{h}:00</text>);
}

function HourChart({ minutes }) {
  const max = Math.max(1, ...minutes);
  const described = minutes.map((m, h) => (m > 0 ? `${h}:00 ${m.toFixed(1)} ${t.minutes}` : null)).filter(Boolean).join(', ');
  return (
    <figure class="chart">
      <svg viewBox="0 0 240 92" role="img" aria-label={`${t.speechByHour}: ${described || t.none}`}>
        {minutes.map((m, h) => (
          <rect key={h} x={h * 10 + 1} y={78 - (m / max) * 70} width="8" height={Math.max(0.5, (m / max) * 70)} fill="#1d4e89" />
        ))}
        <line x1="0" y1="78.5" x2="240" y2="78.5" stroke="#4d4d4d" />
        <HourTicks />
      </svg>
      <figcaption>{t.speechByHour}</figcaption>
    </figure>
  );
}

function MoodChart({ emotions }) {
  if (emotions.length === 0) return null;
  const x = (e) => {
    const [hh, mm] = e.local_time.split(':').map(Number);
    return ((hh * 60 + mm) / 1440) * 240;
  };
  const y = (e) => 40 - e.valence * 35;
  const described = emotions.map((e) => `${e.local_time} ${e.quadrant}`).join(', ');
  return (
    <figure class="chart">
      <svg viewBox="0 0 240 92" role="img" aria-label={`${t.mood}: ${described}`}>
        <line x1="0" y1="40" x2="240" y2="40" stroke="#4d4d4d" stroke-dasharray="2 2" />
        <polyline fill="none" stroke="#2d7d46" stroke-width="1.5" points={emotions.map((e) => `${x(e)},${y(e)}`).join(' ')} />
        {emotions.map((e, i) => <circle key={i} cx={x(e)} cy={y(e)} r="2.5" fill="#2d7d46" />)}
        <HourTicks />
      </svg>
      <figcaption>{t.mood}</figcaption>
    </figure>
  );
}

function Mentions({ title, items }) {
  if (items.length === 0) return null;
  return (
    <>
      <h2>{title}</h2>
      <ul class="mentions">{items.map((m) => <li key={m.text}>{m.text} <span class="count">×{m.mentions}</span></li>)}</ul>
    </>
  );
}

function Day({ date }) {
  const [digest, setDigest] = useState(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState(null);
  const load = (method) => {
    setBusy(true);
    setProblem(null);
    fetchDigest(date, method).then(setDigest, (e) => setProblem(e.message)).finally(() => setBusy(false));
  };
  useEffect(() => load('GET'), [date]);
  const actions = digest ? [...digest.actions.new, ...digest.actions.due] : [];
  return (
    <section aria-labelledby="digest-title" aria-busy={busy ? 'true' : 'false'}>
      <h1 id="digest-title">{t.digestOf(digest?.date ?? date)}</h1>
      <p class="toolbar">
        <a href={`/v1/digests/${date}?format=pdf`} download={`reflexio-${date}.pdf`}>{t.downloadPdf}</a>
        <button type="button" onClick={() => load('POST')} disabled={busy}>{t.regenerate}</button>
      </p>
      {problem && <p role="alert" class="problem">{problem}</p>}
      {!digest && !problem && <p>{t.loading}</p>}
      {digest && (
        <article class="digest" data-status={digest.status} data-provisional={digest.provisional ? 'true' : 'false'}>
          {digest.provisional && <p class="provisional" role="note">{t.provisional}</p>}
          <p class="summary">{digest.summary.text}</p>
          <p class="figures">{t.dayFigures(digest.figures)}</p>
          <HourChart minutes={digest.speech_minutes_by_hour} />
          <MoodChart emotions={digest.emotions} />
          {digest.timeline.length > 0 && (
            <>
              <h2>{t.conversations}</h2>
              <ol class="timeline">
                {digest.timeline.map((c) => (
                  <li key={c.episode_id} class="conversation" data-provisional={c.provisional ? 'true' : 'false'}>
                    <time datetime={c.start}>{c.local_start}–{c.local_end}</time>
                    <p>{c.summary ?? t.notUnderstoodYet}{c.provisional && <span class="count"> ({t.provisionalConversation})</span>}</p>
                  </li>
                ))}
              </ol>
            </>
          )}
          {actions.length > 0 && (
            <>
              <h2>{t.actions}</h2>
              <ul>{actions.map((a, i) => <li key={a.id || `provisional-${i}`}>{a.text}{a.due_date && <span class="count"> — {a.due_date}</span>}</li>)}</ul>
            </>
          )}
          <Mentions title={t.people} items={digest.people} />
          <Mentions title={t.topics} items={digest.topics} />
        </article>
      )}
    </section>
  );
}

function List() {
  const [items, setItems] = useState(null);
  const [problem, setProblem] = useState(null);
  useEffect(() => { api('GET', '/v1/digests?limit=60').then((p) => setItems(p.items), (e) => setProblem(e.message)); }, []);
  return (
    <section aria-labelledby="digests-title">
      <h1 id="digests-title">{t.digests}</h1>
      <p><a href="/digests/today" onClick={(e) => navigate(e, '/digests/today')}>{t.todaySoFar}</a></p>
      {problem && <p role="alert" class="problem">{problem}</p>}
      {items && items.length === 0 && <p>{t.noDigests}</p>}
      {items && (
        <ul class="digest-list">
          {items.map((d) => (
            <li key={d.date}>
              <a href={`/digests/${d.date}`} onClick={(e) => navigate(e, `/digests/${d.date}`)}>{d.date}</a>
              {d.status !== 'ready' && <span class="count"> ({d.status})</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function Digests() {
  const path = usePath();
  const date = path.startsWith('/digests/') ? decodeURIComponent(path.slice('/digests/'.length)) : null;
  return date ? <Day date={date} /> : <List />;
}
