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
import * as org from './org.js';
import * as people from './people.js';
import * as person from './person.js';
import * as newuser from './newuser.js';
import * as approvals from './approvals.js';
import * as review from './review.js';
import * as importer from './import.js';
import * as audit from './audit.js';

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
  // Administration (online only: admin.js)
  admin: org.render,
  unit: people.render,
  person: person.render,
  newuser: newuser.render,
  approvals: approvals.render,
  review: review.render,
  import: importer.render,
  audit: audit.render,
};
