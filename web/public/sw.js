// The app shell, cached so that the app opens without a network; the API's answers to the views'
// reads are kept as they arrive, so an offline app shows the last day it loaded. build.mjs fills in
// the build's version and the list of its files below.
const VERSION = '%VERSION%';
const SHELL = %SHELL%;
const SHELL_CACHE = 'shell-' + VERSION;
const DATA_CACHE = 'data';

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('shell-') && name !== SHELL_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// Reads of the API the views show, by the page: network first, the last answer when offline.
const KEPT = /^\/v1\/(session|recordings|episodes|digests|actions|memory|settings|billing\/usage|privacy\/settings)(\/|$|\?)/;

self.addEventListener('message', (event) => {
  if (event.data === 'signed-out') event.waitUntil(caches.delete(DATA_CACHE));
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(fetch(request).catch(() => caches.match('/index.html')));
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit || fetch(request)));
    return;
  }
  if (KEPT.test(url.pathname + url.search) && !url.pathname.endsWith('/audio')) {
    event.respondWith((async () => {
      try {
        const answer = await fetch(request);
        if (answer.ok) (await caches.open(DATA_CACHE)).put(request, answer.clone());
        return answer;
      } catch (offline) {
        const kept = await (await caches.open(DATA_CACHE)).match(request);
        if (kept) return kept;
        throw offline;
      }
    })());
  }
});
