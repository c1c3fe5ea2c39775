// Times: the server speaks UTC RFC 3339; staff read Swedish local time (Europe/Stockholm).
export const TZ = 'Europe/Stockholm';

const timeFmt = new Intl.DateTimeFormat('sv-SE', { timeZone: TZ, hour: '2-digit', minute: '2-digit' });
const dateTimeFmt = new Intl.DateTimeFormat('sv-SE', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat('sv-SE', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' });
const partsFmt = new Intl.DateTimeFormat('en-US', { timeZone: TZ, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function fmtTime(iso) { return iso ? timeFmt.format(new Date(iso)) : ''; }
export function fmtDateTime(iso) { return iso ? dateTimeFmt.format(new Date(iso)) : ''; }
// localDay is the Stockholm calendar day of an instant, as YYYY-MM-DD.
export function localDay(d = new Date()) { return dayFmt.format(d); }

// nowISO is the device time in RFC 3339 UTC.
export function nowISO() { return new Date().toISOString(); }

// isoSeconds drops milliseconds: the form the server uses for due_at.
export function isoSeconds(ms) { return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'); }

function offsetMs(utcMs) {
  const p = Object.fromEntries(partsFmt.formatToParts(new Date(utcMs)).map(x => [x.type, x.value]));
  const asUTC = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return asUTC - Math.floor(utcMs / 1000) * 1000;
}

// stockholmToUTC turns a Stockholm wall time (day "YYYY-MM-DD", "HH:MM") into UTC ms.
export function stockholmToUTC(day, hhmm) {
  const [y, m, d] = day.split('-').map(Number);
  const [hh, mm] = hhmm.split(':').map(Number);
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  let t = guess - offsetMs(guess);
  t = guess - offsetMs(t); // a second pass gets the DST edges right
  return t;
}

// localInputValue is an instant as a datetime-local value in Stockholm time.
export function localInputValue(d = new Date()) {
  const p = Object.fromEntries(partsFmt.formatToParts(d).map(x => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

// fromLocalInput reads a datetime-local value (Stockholm time) as RFC 3339 UTC.
export function fromLocalInput(v) {
  const [day, hm] = v.split('T');
  return new Date(stockholmToUTC(day, hm.slice(0, 5))).toISOString();
}
