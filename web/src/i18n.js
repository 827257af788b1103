// The UI's words in English and Russian, chosen by the browser's language.
const en = {
  app: 'Reflexio',
  nav: 'Sections',
  today: 'Today',
  settings: 'Settings',
  signIn: 'Sign in',
  signInTitle: 'Sign in to Reflexio',
  signInWithLink: 'Signing you in…',
  signInLinkFailed: 'This sign-in link did not work',
  pasteKey: 'Or paste an API key once; it is not kept in this browser.',
  apiKey: 'API key',
  signInButton: 'Sign in',
  signOut: 'Sign out',
  loading: 'Loading…',
  offline: 'Offline — showing what was last loaded.',
  recordings: 'Recordings',
  nothingToday: 'Nothing recorded today yet.',
  processing: 'Being transcribed…',
  queued: 'Waiting to be transcribed',
  failed: 'Could not be transcribed',
  noSpeech: 'No speech heard.',
  speechToday: 'Speech today',
  minutes: 'min',
  of: 'of',
  unlimited: 'unlimited',
  devices: 'Signed-in devices',
  thisDevice: 'this device',
  lastSeen: 'last seen',
  signOutDevice: 'Sign out',
  signOutDeviceLabel: (device) => `Sign out ${device}`,
  notFound: 'There is no such page.',
  error: 'Something went wrong',
};

const ru = {
  app: 'Reflexio',
  nav: 'Разделы',
  today: 'Сегодня',
  settings: 'Настройки',
  signIn: 'Вход',
  signInTitle: 'Вход в Reflexio',
  signInWithLink: 'Входим…',
  signInLinkFailed: 'Ссылка для входа не сработала',
  pasteKey: 'Или вставьте API-ключ один раз; браузер его не сохранит.',
  apiKey: 'API-ключ',
  signInButton: 'Войти',
  signOut: 'Выйти',
  loading: 'Загрузка…',
  offline: 'Нет сети — показано последнее загруженное.',
  recordings: 'Записи',
  nothingToday: 'Сегодня пока ничего не записано.',
  processing: 'Расшифровывается…',
  queued: 'Ждёт расшифровки',
  failed: 'Не удалось расшифровать',
  noSpeech: 'Речи не слышно.',
  speechToday: 'Речь сегодня',
  minutes: 'мин',
  of: 'из',
  unlimited: 'без ограничений',
  devices: 'Устройства, где выполнен вход',
  thisDevice: 'это устройство',
  lastSeen: 'активность',
  signOutDevice: 'Выйти',
  signOutDeviceLabel: (device) => `Выйти на устройстве ${device}`,
  notFound: 'Такой страницы нет.',
  error: 'Что-то пошло не так',
};

export const language = (navigator.language || 'en').toLowerCase().startsWith('ru') ? 'ru' : 'en';
export const t = language === 'ru' ? ru : en;

export function formatTime(iso) {
  return new Date(iso).toLocaleTimeString(language, { hour: '2-digit', minute: '2-digit' });
}

export function formatDateTime(iso) {
  return new Date(iso).toLocaleString(language, { dateStyle: 'medium', timeStyle: 'short' });
}
