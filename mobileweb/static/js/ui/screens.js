// The screens by the first part of the hash (#/today, #/client/<id>, …).
import * as today from './today.js';
import * as client from './client.js';
import * as note from './note.js';
import * as sign from './sign.js';
import * as deviation from './deviation.js';
import * as messages from './messages.js';
import * as attention from './attention.js';
import * as overview from './overview.js';
import * as analyse from './analyse.js';
import * as reports from './reports.js';

export const screens = {
  today: today.render,
  client: client.render,
  note: note.render,
  sign: sign.render,
  deviation: deviation.render,
  messages: messages.render,
  attention: attention.render,
  overview: overview.render,
  analyse: analyse.render,
  reports: reports.render,
};
