// Search and smart replay: what was said, best hit first; play exactly that moment, step ten
// seconds back or on, and follow the words as they are said (word timings from the transcript).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { formatDateTime, t } from '../i18n.js';
import { Why } from './Why.jsx';

const AROUND_S = 30;  // the clip reaches this far either side of the hit, for the ±10 s buttons

// The snippet's <mark> runs as elements, never as HTML from the server.
function Snippet({ text }) {
  const parts = text.split(/(<mark>.*?<\/mark>)/g).filter(Boolean);
  return <p class="snippet">{parts.map((p, i) => (p.startsWith('<mark>') ? <mark key={i}>{p.slice(6, -7)}</mark> : p))}</p>;
}

function Replay({ hit }) {
  const audio = useRef(null);
  const [clip, setClip] = useState(null);   // { url, start, words }
  const [now, setNow] = useState(null);     // seconds into the recording
  const [playedFrom, setPlayedFrom] = useState(null);
  const [problem, setProblem] = useState(null);
  useEffect(() => {
    let url = null;
    (async () => {
      try {
        const start = Math.max(0, hit.start - AROUND_S);
        const end = hit.end + AROUND_S;
        const [answer, transcript] = await Promise.all([
          api('GET', `/v1/recordings/${hit.recording_id}/audio?start=${start.toFixed(3)}&end=${end.toFixed(3)}`, { raw: true, headers: { Accept: 'audio/ogg' } }),
          api('GET', `/v1/recordings/${hit.recording_id}/transcript`),
        ]);
        if (!answer.ok) throw new Error((await answer.json()).error.message);
        const clipStart = Number(answer.headers.get('X-Clip-Start') ?? start);
        url = URL.createObjectURL(await answer.blob());
        const words = transcript.segments.flatMap((s) => s.words).filter((w) => w.end >= hit.segment_start - 5 && w.start <= hit.segment_end + 5);
        setClip({ url, start: clipStart, words });
      } catch (error) {
        setProblem(error.message);
      }
    })();
    return () => { if (url) URL.revokeObjectURL(url); };
  }, [hit.recording_id, hit.start]);

  const seek = (delta) => {
    const element = audio.current;
    element.currentTime = Math.max(0, Math.min(element.duration || Infinity, element.currentTime + delta));
  };
  if (problem) return <p role="alert" class="problem">{problem}</p>;
  if (!clip) return <p aria-busy="true">{t.loading}</p>;
  const saying = now === null ? null : clip.words.find((w) => now >= w.start && now < w.end);
  return (
    <div class="replay" data-clip-start={clip.start} data-hit-start={hit.start} data-hit-end={hit.end} data-played-from={playedFrom ?? undefined}>
      <audio
        ref={audio}
        src={clip.url}
        controls
        autoplay
        aria-label={t.replayOf(formatDateTime(hit.captured_at))}
        onLoadedMetadata={(e) => { e.currentTarget.currentTime = hit.start - clip.start; }}
        onPlaying={(e) => { if (playedFrom === null) setPlayedFrom(e.currentTarget.currentTime); }}
        onTimeUpdate={(e) => setNow(clip.start + e.currentTarget.currentTime)}
      />
      <div class="seek">
        <button type="button" onClick={() => seek(-10)}>{t.back10}</button>
        <button type="button" onClick={() => seek(10)}>{t.forward10}</button>
      </div>
      <p class="words" aria-live="off">
        {clip.words.map((w, i) => (
          <span key={i} class={w === saying ? 'word now' : 'word'} aria-current={w === saying ? 'true' : undefined}>{w.word} </span>
        ))}
      </p>
    </div>
  );
}

// What the conversation this moment belongs to was about, with "why" opening the evidence;
// nothing while the conversation is not understood yet.
function ConversationOf({ at }) {
  const [summary, setSummary] = useState(null);
  useEffect(() => {
    const t0 = Date.parse(at);
    const range = `from=${encodeURIComponent(new Date(t0 - 1000).toISOString())}&to=${encodeURIComponent(new Date(t0 + 1000).toISOString())}`;
    api('GET', `/v1/episodes?${range}&limit=1`)
      .then((page) => (page.items[0] ? api('GET', `/v1/episodes/${page.items[0].id}`) : null))
      .then((episode) => setSummary(episode?.enrichment?.summary ?? null), () => setSummary(null));
  }, [at]);
  if (!summary) return null;
  return (
    <div class="row conversation-of">
      <p><span class="kind">{t.inConversation}</span> {summary.text}</p>
      <Why url={summary.explain_url} label={summary.text} />
    </div>
  );
}

function Hit({ hit, open, onOpen }) {
  return (
    <li class="hit">
      <time datetime={hit.captured_at}>{formatDateTime(hit.captured_at)}</time>
      <Snippet text={hit.snippet} />
      {!open && <button type="button" onClick={onOpen}>{t.play}</button>}
      {open && <Replay hit={hit} />}
      {open && <ConversationOf at={hit.captured_at} />}
    </li>
  );
}

export function Search() {
  const initial = new URLSearchParams(location.search).get('q') ?? '';
  const [query, setQuery] = useState(initial);
  const [hits, setHits] = useState(null);
  const [open, setOpen] = useState(null);
  const [problem, setProblem] = useState(null);
  const search = async (q) => {
    if (!q.trim()) return;
    history.replaceState(null, '', `/search?q=${encodeURIComponent(q)}`);
    setProblem(null);
    setOpen(null);
    try {
      setHits((await api('GET', `/v1/search?q=${encodeURIComponent(q)}&limit=20`)).items);
    } catch (error) {
      setProblem(error.code === 'offline' ? t.offline : error.message);
    }
  };
  useEffect(() => { if (initial) search(initial); }, []);
  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">{t.search}</h1>
      <form role="search" class="search" onSubmit={(e) => { e.preventDefault(); search(query); }}>
        <label for="q" class="visually-hidden">{t.searchLabel}</label>
        <input id="q" type="search" value={query} placeholder={t.searchLabel} onInput={(e) => setQuery(e.target.value)} />
        <button type="submit">{t.search}</button>
      </form>
      {problem && <p role="alert" class="problem">{problem}</p>}
      {hits && hits.length === 0 && <p>{t.noHits}</p>}
      {hits && hits.length > 0 && (
        <ol class="hits">
          {hits.map((hit, i) => <Hit key={`${hit.recording_id}-${hit.start}`} hit={hit} open={open === i} onOpen={() => setOpen(i)} />)}
        </ol>
      )}
    </section>
  );
}
