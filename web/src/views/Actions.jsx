// Actions: what the person said they would do (or was asked to), open first; mark one done (or
// open again), and see why Reflexio thinks it is an action.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { Why } from './Why.jsx';

export function Actions() {
  const [actions, setActions] = useState(null);
  const [problem, setProblem] = useState(null);
  const load = () => api('GET', '/v1/actions?limit=200').then((p) => setActions(p.items), (e) => setProblem(e.message));
  useEffect(() => { load(); }, []);
  const mark = async (action, done) => {
    try {
      await api('PUT', `/v1/actions/${action.id}`, { body: { state: done ? 'done' : 'open' } });
      load();
    } catch (error) {
      setProblem(error.message);
    }
  };
  const open = actions?.filter((a) => a.state !== 'done') ?? [];
  const done = actions?.filter((a) => a.state === 'done') ?? [];
  const row = (a) => (
    <li key={a.id} class="action" data-state={a.state}>
      <label>
        <input type="checkbox" checked={a.state === 'done'} onChange={(e) => mark(a, e.target.checked)} />
        <span>{a.text}</span>
      </label>
      {a.due_date && <span class="count">{t.due(a.due_date)}</span>}
      <Why url={a.explain_url} label={a.text} />
    </li>
  );
  return (
    <section aria-labelledby="actions-title">
      <h1 id="actions-title">{t.actions}</h1>
      {problem && <p role="alert" class="problem">{problem}</p>}
      {actions && actions.length === 0 && <p>{t.noActions}</p>}
      {open.length > 0 && <><h2>{t.openActions}</h2><ul class="actions">{open.map(row)}</ul></>}
      {done.length > 0 && <><h2>{t.doneActions}</h2><ul class="actions">{done.map(row)}</ul></>}
    </section>
  );
}
