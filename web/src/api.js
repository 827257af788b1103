// The API as the page speaks it: same-origin requests that carry the session cookie (never an
// API key), the CSRF token on every request that changes something, and errors as thrown
// ApiError with the server's code and message.
let csrfToken = null;

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function setCsrfToken(token) {
  csrfToken = token;
}

export function getCsrfToken() {
  return csrfToken;
}

export async function api(method, path, { body, headers = {}, raw = false } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, credentials: 'same-origin' };
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) init.headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) {
    if (body instanceof Blob) {
      init.body = body;
    } else {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiError(0, 'offline', error.message);
  }
  if (raw) return response;
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = json?.error ?? {};
    throw new ApiError(response.status, error.code ?? 'http_' + response.status, error.message ?? response.statusText, error.details);
  }
  return json;
}

// Who this browser is signed in as; null when it is not.
export async function currentSession() {
  try {
    const me = await api('GET', '/v1/session');
    setCsrfToken(me.csrf_token);
    return me;
  } catch (error) {
    if (error.status === 401) return null;
    throw error;
  }
}
