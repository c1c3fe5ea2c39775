// Messages: one file per language (i18n/sv.json, i18n/en.json), Swedish first.
const LANG_KEY = 'vardag-lang'; // a preference, not personal data: it survives logout
let messages = {};
let lang = 'sv';

export function initialLang() {
  const saved = localStorage.getItem(LANG_KEY);
  if (saved === 'sv' || saved === 'en') return saved;
  return (navigator.language || '').toLowerCase().startsWith('en') ? 'en' : 'sv';
}

// The file is fetched beside the modules (under the version index.html named them by,
// which the page preloads for Swedish).
export async function loadLang(l) {
  const res = await fetch(new URL(`../i18n/${l}.json`, import.meta.url));
  messages = await res.json();
  lang = l;
  document.documentElement.lang = l;
}

export async function setLang(l) {
  localStorage.setItem(LANG_KEY, l);
  await loadLang(l);
}

export function currentLang() { return lang; }

// t looks up key and fills {name} placeholders from params.
export function t(key, params) {
  let s = messages[key];
  if (s === undefined) {
    console.warn('i18n: missing key', key);
    return key;
  }
  if (params) s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] ?? m));
  return s;
}

// tn is t for a count n: the key's plural form in the current language, by the language's
// own rules (Intl.PluralRules: key_one, key_other), with {n} and params filled in.
export function tn(key, n, params) {
  const form = `${key}_${new Intl.PluralRules(lang).select(n)}`;
  return t(messages[form] !== undefined ? form : `${key}_other`, { ...params, n });
}

// tOr looks up a key built from data (a code from the server) and falls back to fallback.
export function tOr(key, fallback) {
  return messages[key] ?? fallback;
}

// label picks the user's language from a reference item {label_sv, label_en}.
export function label(item) {
  if (!item) return '';
  return (lang === 'en' ? item.label_en : item.label_sv) || item.label_sv || item.code;
}

// applyStatic fills elements marked data-i18n in the static HTML.
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
}
