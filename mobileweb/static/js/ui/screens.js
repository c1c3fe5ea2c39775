// The screens by the first part of the hash (#/today, #/client/<id>, …). Each is loaded
// when it is first opened, not with the page: the login screen of a first visit needs
// none of them, and a care worker never loads the administration. The service worker
// holds every one of them from the first visit on, so they open offline as well.
const loaders = {
  today: () => import('./today.js'),
  client: () => import('./client.js'),
  note: () => import('./note.js'),
  correct: () => import('./correct.js'),
  sign: () => import('./sign.js'),
  history: () => import('./history.js'),
  deviation: () => import('./deviation.js'),
  messages: () => import('./messages.js'),
  attention: () => import('./attention.js'),
  overview: () => import('./overview.js'),
  listedit: () => import('./listedit.js'),
  delegations: () => import('./delegations.js'),
  analyse: () => import('./analyse.js'),
  reports: () => import('./reports.js'),
  plan: () => import('./plan.js'),
  plans: () => import('./plans.js'),
  // Administration (online only: admin.js)
  admin: () => import('./org.js'),
  unit: () => import('./people.js'),
  person: () => import('./person.js'),
  newuser: () => import('./newuser.js'),
  approvals: () => import('./approvals.js'),
  review: () => import('./review.js'),
  import: () => import('./import.js'),
  audit: () => import('./audit.js'),
  readlog: () => import('./logreview.js'),
  bulletins: () => import('./board.js'),
  reflists: () => import('./reflists.js'),
  statistics: () => import('./statistics.js'),
  ending: () => import('./ending.js'),
  endmeasure: () => import('./endmeasure.js'),
};

// screenOf is the render function of the screen name (Today for an unknown one).
export async function screenOf(name) {
  const load = loaders[name] || loaders.today;
  return (await load()).render;
}

// preloadScreen starts loading the screen name without waiting for it (an app opened
// again: its screen loads while the session is read from the store).
export function preloadScreen(name) {
  screenOf(name).catch(() => {}); // a failure shows when the screen is opened
}
