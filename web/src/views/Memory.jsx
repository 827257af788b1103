// Memory: what Reflexio remembers about the person, each entry with its evidence; correct an
// entry (what it says, or that it is done), or make Reflexio forget it.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { Why } from './Why.jsx';

function Entry({ entry, onChanged, onProblem }) {
  const [editing, setEditing] = useState(false);
  const [label, setLabel] = useState(entry.label);
  const save = async (e) => {
    e.preventDefault();
    try {
      await api('PUT', `/v1/memory/${entry.id}`, { body: { label: label.trim() } });
      setEditing(false);
      onChanged();
    } catch (error) {
      onProblem(error.message);
    }
  };
  const forget = async () => {
    try {
      await api('DELETE', `/v1/memory/${entry.id}`);
      onChanged();
    } catch (error) {
      onProblem(error.message);
    }
  };
  return (
    <li class="memory" data-kind={entry.kind}>
      {editing ? (
        <form onSubmit={save} class="edit">
          <label for={`label-${entry.id}`}>{t.whatItSays}</label>
          <input id={`label-${entry.id}`} value={label} onInput={(e) => setLabel(e.target.value)} required />
          <button type="submit">{t.save}</button>
          <button type="button" class="secondary" onClick={() => { setEditing(false); setLabel(entry.label); }}>{t.cancel}</button>
        </form>
      ) : (
        <p><span class="kind">{t.kind(entry.kind)}</span> {entry.label}{entry.edited_by_person && <span class="count"> ({t.corrected})</span>}</p>
      )}
      <p class="count">{t.seen(entry.mentions, entry.episodes)}</p>
      <div class="row">
        {!editing && <button type="button" class="secondary" aria-label={t.correctLabel(entry.label)} onClick={() => setEditing(true)}>{t.correct}</button>}
        <button type="button" class="secondary" aria-label={t.forgetLabel(entry.label)} onClick={forget}>{t.forget}</button>
        <Why url={entry.explain_url} label={entry.label} />
      </div>
    </li>
  );
}

export function Memory() {
  const [entries, setEntries] = useState(null);
  const [problem, setProblem] = useState(null);
  const load = () => api('GET', '/v1/memory?limit=200').then((p) => setEntries(p.items), (e) => setProblem(e.message));
  useEffect(() => { load(); }, []);
  return (
    <section aria-labelledby="memory-title">
      <h1 id="memory-title">{t.memory}</h1>
      {problem && <p role="alert" class="problem">{problem}</p>}
      {entries && entries.length === 0 && <p>{t.noMemory}</p>}
      {entries && <ul class="memories">{entries.map((e) => <Entry key={e.id} entry={e} onChanged={load} onProblem={setProblem} />)}</ul>}
    </section>
  );
}
