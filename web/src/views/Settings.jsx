// Settings: the day (time zone, digest time, Telegram chat), privacy (retention, training
// opt-out, PII mode), plan and usage (upgrade through Stripe Checkout, the referral code to
// share), the browsers signed in, API keys, export, and erasing everything behind a typed
// confirmation.
import { useEffect, useState } from 'preact/hooks';
import { api, setCsrfToken } from '../api.js';
import { clearQueue } from '../capture/queue.js';
import { formatDateTime, t } from '../i18n.js';

async function forgetThisBrowser() {
  setCsrfToken(null);
  navigator.serviceWorker?.controller?.postMessage('signed-out');
}

// A form over one settings resource: loads it, edits a copy, saves with PUT, says it did.
function useResource(path) {
  const [value, setValue] = useState(null);
  const [draft, setDraft] = useState(null);
  const [note, setNote] = useState(null);
  useEffect(() => { api('GET', path).then((v) => { setValue(v); setDraft(v); }, (e) => setNote({ problem: e.message })); }, [path]);
  const save = async (body) => {
    setNote(null);
    try {
      const saved = await api('PUT', path, { body });
      setValue(saved);
      setDraft(saved);
      setNote({ saved: true });
    } catch (error) {
      setNote({ problem: error.message });
    }
  };
  return { value, draft, setDraft, save, note };
}

function Note({ note }) {
  if (!note) return null;
  return note.problem ? <p role="alert" class="problem">{note.problem}</p> : <p role="status">{t.saved}</p>;
}

function Day() {
  const { draft, setDraft, save, note } = useResource('/v1/settings');
  if (!draft) return <Note note={note} />;
  const zones = Intl.supportedValuesOf?.('timeZone') ?? [];
  return (
    <form class="settings" aria-labelledby="day-title" onSubmit={(e) => {
      e.preventDefault();
      save({ timezone: draft.timezone, digest_time: draft.digest_time, telegram_chat_id: draft.telegram_chat_id || null });
    }}>
      <h2 id="day-title">{t.yourDay}</h2>
      <label for="timezone">{t.timezone}</label>
      <input id="timezone" list="zones" value={draft.timezone} onInput={(e) => setDraft({ ...draft, timezone: e.target.value })} />
      <datalist id="zones">{zones.map((z) => <option key={z} value={z} />)}</datalist>
      <label for="digest-time">{t.digestTime}</label>
      <input id="digest-time" type="time" value={draft.digest_time} onInput={(e) => setDraft({ ...draft, digest_time: e.target.value })} />
      <label for="telegram">{t.telegramChat}</label>
      <input id="telegram" inputmode="numeric" value={draft.telegram_chat_id ?? ''} onInput={(e) => setDraft({ ...draft, telegram_chat_id: e.target.value })} />
      <button type="submit">{t.save}</button>
      <Note note={note} />
    </form>
  );
}

function Privacy() {
  const { draft, setDraft, save, note } = useResource('/v1/privacy/settings');
  if (!draft) return <Note note={note} />;
  const number = (name, label, min) => (
    <>
      <label for={name}>{label}</label>
      <input id={name} type="number" min={min} value={draft[name]} onInput={(e) => setDraft({ ...draft, [name]: Number(e.target.value) })} />
    </>
  );
  return (
    <form class="settings" aria-labelledby="privacy-title" onSubmit={(e) => {
      e.preventDefault();
      const { audio_retention_hours, transcript_retention_days, digest_retention_days, opt_out_training, pii_mode } = draft;
      save({ audio_retention_hours, transcript_retention_days, digest_retention_days, opt_out_training, pii_mode });
    }}>
      <h2 id="privacy-title">{t.privacy}</h2>
      {number('audio_retention_hours', t.audioRetention, 0)}
      {number('transcript_retention_days', t.transcriptRetention, 1)}
      {number('digest_retention_days', t.digestRetention, 1)}
      <label class="check">
        <input type="checkbox" checked={draft.opt_out_training} onChange={(e) => setDraft({ ...draft, opt_out_training: e.target.checked })} />
        {t.optOut}
      </label>
      <label for="pii-mode">{t.piiMode}</label>
      <select id="pii-mode" value={draft.pii_mode} onChange={(e) => setDraft({ ...draft, pii_mode: e.target.value })}>
        <option value="audit">{t.piiAudit}</option>
        <option value="mask">{t.piiMask}</option>
        <option value="strict">{t.piiStrict}</option>
      </select>
      <button type="submit">{t.save}</button>
      <Note note={note} />
    </form>
  );
}

function Plan() {
  const [usage, setUsage] = useState(null);
  const [plans, setPlans] = useState(null);
  const [referral, setReferral] = useState(null);
  const [problem, setProblem] = useState(null);
  useEffect(() => {
    api('GET', '/v1/billing/usage').then(setUsage, () => {});
    api('GET', '/v1/billing/plans').then(setPlans, () => {});
    api('GET', '/v1/referrals').then(setReferral, () => {});
  }, []);
  const upgrade = async (plan) => {
    setProblem(null);
    try {
      const page = await api('POST', '/v1/billing/checkout', { body: { plan, success_url: location.origin + '/settings', cancel_url: location.origin + '/settings' } });
      location.assign(page.url);
    } catch (error) {
      setProblem(error.message);
    }
  };
  if (!usage && !plans) return null;
  const paid = plans?.plans.filter((p) => p.price_cents > 0) ?? [];
  return (
    <section aria-labelledby="plan-title">
      <h2 id="plan-title">{t.planAndUsage}</h2>
      {usage && <p data-plan={usage.plan}>{t.planLine(usage)}</p>}
      {usage?.plan === 'free' && paid.map((p) => (
        <p key={p.id}><button type="button" onClick={() => upgrade(p.id)}>{t.upgradeTo(p, plans.currency)}</button></p>
      ))}
      {problem && <p role="alert" class="problem">{problem}</p>}
      {referral && <p>{t.referral(referral)} <strong class="code">{referral.code}</strong></p>}
    </section>
  );
}

function Devices({ onSignedOut }) {
  const [devices, setDevices] = useState(null);
  const [problem, setProblem] = useState(null);
  const load = () => api('GET', '/v1/sessions').then((page) => setDevices(page.items), (e) => setProblem(e.message));
  useEffect(() => { load(); }, []);
  const end = async (device) => {
    try {
      await api('DELETE', `/v1/sessions/${device.id}`);
      if (device.current) {
        await forgetThisBrowser();
        onSignedOut();
      } else {
        load();
      }
    } catch (error) {
      setProblem(error.message);
    }
  };
  return (
    <section aria-labelledby="devices-title">
      <h2 id="devices-title">{t.devices}</h2>
      {problem && <p role="alert" class="problem">{problem}</p>}
      {devices && (
        <ul class="devices">
          {devices.map((d) => (
            <li key={d.id}>
              <span class="device">{d.device}{d.current && <strong> ({t.thisDevice})</strong>}</span>
              <span class="seen">{t.lastSeen}: <time datetime={d.last_seen_at}>{formatDateTime(d.last_seen_at)}</time></span>
              <button type="button" aria-label={t.signOutDeviceLabel(d.device)} onClick={() => end(d)}>{t.signOutDevice}</button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Keys() {
  const [keys, setKeys] = useState(null);
  const [fresh, setFresh] = useState(null);   // the key just made, shown this once
  const [problem, setProblem] = useState(null);
  const load = () => api('GET', '/v1/keys').then((page) => setKeys(page.items), (e) => setProblem(e.message));
  useEffect(() => { load(); }, []);
  const create = async () => {
    try {
      setFresh(await api('POST', '/v1/keys'));
      load();
    } catch (error) {
      setProblem(error.message);
    }
  };
  const revoke = async (key) => {
    try {
      await api('DELETE', `/v1/keys/${key.id}`);
      if (fresh?.id === key.id) setFresh(null);
      load();
    } catch (error) {
      setProblem(error.message);
    }
  };
  return (
    <section aria-labelledby="keys-title">
      <h2 id="keys-title">{t.apiKeys}</h2>
      <p>{t.apiKeysHelp}</p>
      <p><button type="button" onClick={create}>{t.newKey}</button></p>
      {fresh && (
        <p role="status" class="fresh-key">{t.newKeyOnce} <code data-key>{fresh.key}</code></p>
      )}
      {problem && <p role="alert" class="problem">{problem}</p>}
      {keys && (
        <ul class="devices">
          {keys.map((k) => (
            <li key={k.id} data-revoked={k.revoked_at ? 'true' : 'false'}>
              <span class="device"><code>{k.prefix}…</code> {t.created} <time datetime={k.created_at}>{formatDateTime(k.created_at)}</time></span>
              {k.revoked_at
                ? <span class="seen">{t.revoked}</span>
                : <button type="button" class="secondary" aria-label={t.revokeLabel(k.prefix)} onClick={() => revoke(k)}>{t.revoke}</button>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function YourData({ onErased }) {
  const [typed, setTyped] = useState('');
  const [problem, setProblem] = useState(null);
  const [report, setReport] = useState(null);
  const erase = async (e) => {
    e.preventDefault();
    if (typed.trim() !== t.eraseWord) return;
    try {
      setReport(await api('POST', '/v1/privacy/erase', { body: { confirm: true } }));
      await clearQueue();
      setTyped('');
      onErased();
    } catch (error) {
      setProblem(error.message);
    }
  };
  return (
    <section aria-labelledby="data-title">
      <h2 id="data-title">{t.yourData}</h2>
      <p><a href="/v1/privacy/export" download="reflexio-export.tar">{t.exportAll}</a></p>
      <form class="settings danger" onSubmit={erase}>
        <label for="erase-confirm">{t.eraseLabel(t.eraseWord)}</label>
        <input id="erase-confirm" autocomplete="off" value={typed} onInput={(e) => setTyped(e.target.value)} />
        <button type="submit" class="danger" disabled={typed.trim() !== t.eraseWord}>{t.eraseButton}</button>
      </form>
      {report && <p role="status" data-erased="true">{t.erased}</p>}
      {problem && <p role="alert" class="problem">{problem}</p>}
    </section>
  );
}

export function Settings({ onSignedOut }) {
  const signOut = async () => {
    await api('DELETE', '/v1/session').catch(() => {});
    await forgetThisBrowser();
    onSignedOut();
  };
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">{t.settings}</h1>
      <Day />
      <Privacy />
      <Plan />
      <Devices onSignedOut={onSignedOut} />
      <Keys />
      <YourData onErased={() => navigator.serviceWorker?.controller?.postMessage('signed-out')} />
      <p><button type="button" onClick={signOut}>{t.signOut}</button></p>
    </section>
  );
}
