// Paths without a framework router: the history API, and a hook that re-renders on change.
import { useEffect, useState } from 'preact/hooks';

const listeners = new Set();

export function navigate(event, path) {
  if (event) {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button > 0) return;
    event.preventDefault();
  }
  if (location.pathname + location.search !== path) history.pushState(null, '', path);
  listeners.forEach((listener) => listener());
}

export function usePath() {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return path;
}
