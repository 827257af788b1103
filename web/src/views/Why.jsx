// "Why?": the explanation of a conclusion — the words it rests on (each playable), how it was
// reached and how sure it is — opened in place.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { formatDateTime, t } from '../i18n.js';

export function Why({ url, label }) {
  const [open, setOpen] = useState(false);
  const [explanation, setExplanation] = useState(null);
  const [problem, setProblem] = useState(null);
  const toggle = async () => {
    setOpen(!open);
    if (!open && !explanation) {
      try {
        setExplanation(await api('GET', url));
      } catch (error) {
        setProblem(error.message);
      }
    }
  };
  return (
    <div class="why">
      <button type="button" class="link" aria-expanded={open ? 'true' : 'false'} aria-label={t.whyLabel(label)} onClick={toggle}>{t.why}</button>
      {open && problem && <p role="alert" class="problem">{problem}</p>}
      {open && explanation && (
        <div class="explanation">
          <p>{t.method(explanation.method ? `${explanation.method.provider} ${explanation.method.model}` : null, explanation.confidence?.value)}</p>
          {explanation.evidence.length === 0 && <p>{t.noEvidence}</p>}
          <ul>
            {explanation.evidence.map((e, i) => (
              <li key={i}>
                <blockquote>“{e.quote}”</blockquote>
                <time datetime={e.captured_at}>{formatDateTime(e.captured_at)}</time>
                {e.clip_url && <audio controls preload="none" src={e.clip_url} aria-label={t.listenTo(e.quote)} />}
              </li>
            ))}
          </ul>
          {explanation.evidence_no_longer_stored > 0 && <p class="count">{t.evidenceGone(explanation.evidence_no_longer_stored)}</p>}
        </div>
      )}
    </div>
  );
}
