// Settings: for now, the browsers signed in to this account (sign any of them out) and signing
// this one out.
import { useEffect, useState } from 'preact/hooks';
import { api, setCsrfToken } from '../api.js';
import { formatDateTime, t } from '../i18n.js';

async function forgetThisBrowser() {
  setCsrfToken(null);
  navigator.serviceWorker?.controller?.postMessage('signed-out');
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

export function Settings({ onSignedOut }) {
  const signOut = async () => {
    await api('DELETE', '/v1/session').catch(() => {});
    await forgetThisBrowser();
    onSignedOut();
  };
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">{t.settings}</h1>
      <Devices onSignedOut={onSignedOut} />
      <p><button type="button" onClick={signOut}>{t.signOut}</button></p>
    </section>
  );
}
