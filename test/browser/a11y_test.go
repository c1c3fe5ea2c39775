package browser

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"vardag/internal/demo"
	"vardag/internal/uuids"
	"vardag/test/testserver"
)

// axeSource is axe-core (testdata/axe, MPL-2.0), the accessibility engine. It is test
// only: the app never serves it. It goes into the page through the DevTools protocol
// (Runtime.evaluate), which the app's CSP (no eval, no inline script) does not govern.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

//go:embed testdata/axe/README.md
var axeReadme string

// axeTags are the rule sets of WCAG 2.1 level AA (which includes A). color-contrast is in
// wcag2aa; the test checks that it ran.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// minTarget is the smallest touch target, in CSS pixels (WCAG 2.5.5; Issue 6 item 7).
const minTarget = 44

// TestAccessibility checks WCAG 2.1 AA on the app's main screens, in the browser, as the
// screenshots take them: login, code, today (with a notice of planned downtime on the
// bulletin board), a client's journal, a note, signing, a deviation and needs attention
// as anna (the deviation, dated two years back, is refused and lands in needs
// attention), the messages with the new message form open, the nurse's overview as
// cecilia and a deviation's analysis as david. On each:
//
//   - axe-core's WCAG 2.0/2.1 A and AA rules (contrast among them), in the light and the
//     dark colour scheme, find nothing;
//   - every shown control is a touch target of at least 44 × 44 CSS px;
//   - at 200 % text (the root font size) nothing overflows sideways, no button clips its
//     text, the bottom navigation does not scroll sideways and shows every tab's label
//     whole, and every control can be scrolled to, is what a finger touches there and is
//     still at least 44 px.
//
// On the login screen the Tab key goes username → password → log in → language, each
// with a visible focus ring.
func TestAccessibility(t *testing.T) {
	start := time.Now()
	s := testserver.Start(t)
	// Today and the messages show a notice of planned downtime at their top.
	now := time.Now()
	postBulletin(t, s.Login("admin"), "Treserva uppgraderas", "Vardag synkar inte under uppgraderingen. Skriv som vanligt, allt skickas efteråt.",
		now.Add(time.Hour), now.Add(3*time.Hour))
	anna := NewPhone(t, "anna")
	anna.Open(s.URL + "/")
	anna.WaitScreen("login")
	checkFocusOrder(t, anna, "login", "login-username", "login-password", "login-submit", "login-activate", "lang-toggle")
	checkScreen(t, anna, "login")

	anna.Type("login-username", "anna")
	anna.Type("login-password", demo.Password)
	anna.Click("login-submit")
	anna.WaitFor("the code screen", `document.body.dataset.screen === 'code'`)
	checkScreen(t, anna, "code")
	anna.Type("code-input", s.CodeFor("anna"))
	anna.Click("code-submit")
	anna.WaitScreen("today")
	anna.SyncNow()
	anna.WaitFor("the notice on today", `!!document.querySelector('main [data-testid^=bulletin-]')`)
	checkScreen(t, anna, "today")
	checkRerenderKeepsFocus(t, anna)

	anna.OpenJournal(astrid)
	anna.WaitText("Värmde middag")
	checkScreen(t, anna, "client journal")

	anna.StartNote(astrid, "Morgonbesök", "Hjälpte Astrid med frukost.")
	checkScreen(t, anna, "note")

	due := anna.StartSigning(astrid, insulin, "not_given") // shows the reason too
	checkScreen(t, anna, "sign")

	// A dose's states: the demo's double-signed 08:00 medicine shows its signatures, and
	// signing it again asks first (the in-page dialog); a refusal from the server shows
	// in red on its dose (planted in needs attention as a push would put it there).
	anna.OpenSigning(astrid)
	anna.Click("sign-" + medicine + "-" + dueID(today(8, 0)))
	anna.WaitFor("the signatures", `!!document.querySelector('main .signatures')`)
	checkScreen(t, anna, "sign signed")
	anna.Click("outcome-given")
	anna.WaitFor("the confirmation", `!!document.querySelector('dialog[open] [data-testid=confirm-ok]')`)
	checkScreen(t, anna, "sign confirm")
	anna.Click("confirm-cancel")
	Eval[bool](anna, fmt.Sprintf(`(async () => {
		const d = await (await import(new URL('db.js', document.querySelector('script[type=module]').src).href)).db();
		const now = new Date().toISOString();
		await d.put('attention', { local_id: 999999, name: 'signing.sign', client_time: now, mutation_id: 999999, status: 'rejected',
			args: { signature_id: %s, list_id: %s, measure_id: %s, due_at: %s, outcome: 'given', signed_at: now },
			error: { code: 'no_delegation', message: 'You have no valid delegation.' }, record: null, failed_at: now });
		return true;
	})()`, js(uuids.New()), js(uuids.Named("demo/list/1")), js(insulin), js(due)))
	anna.OpenSigning(astrid)
	anna.Click("sign-" + insulin + "-" + due)
	anna.WaitFor("the refusal", `!!document.querySelector('main [data-testid^=refusal-]')`)
	checkScreen(t, anna, "sign refused")

	// A deviation dated two years back: the server refuses it, so needs attention has an
	// item to show.
	anna.OpenClient(astrid)
	anna.Click("deviation-new")
	anna.WaitScreen("deviation")
	for _, f := range []string{"dev-type", "dev-person_alone", "dev-activity", "dev-area"} {
		anna.Fill(f, "")
	}
	Eval[bool](anna, `(() => {
		document.querySelector('[data-testid^="dev-involved_professions-"]').click();
		const d = new Date(Date.now() - 2 * 365 * 24 * 3600 * 1000);
		const pad = n => String(n).padStart(2, '0');
		const x = document.querySelector('[data-testid=dev-occurred_at]');
		x.value = d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + 'T10:00';
		x.dispatchEvent(new Event('input', { bubbles: true }));
		return true;
	})()`)
	anna.Type("dev-course_of_events", "Astrid föll i hallen.")
	checkScreen(t, anna, "deviation")
	anna.Click("dev-submit")
	anna.WaitFor("the deviation to be saved", `document.body.dataset.screen !== 'deviation'`)
	anna.SyncUntil("the refused deviation in needs attention", `s.outbox === 0 && s.attention > 0`)

	anna.Click("nav-attention")
	anna.WaitScreen("attention")
	anna.WaitFor("an attention item", `document.querySelector('[data-testid^=attention-item-]')`)
	checkScreen(t, anna, "attention")

	anna.Click("nav-messages")
	anna.WaitScreen("messages")
	anna.WaitFor("the notice on the messages", `!!document.querySelector('main [data-testid^=bulletin-]')`)
	anna.Click("message-new")
	anna.WaitFor("the message form", `!!document.querySelector('[data-testid=message-text]').getClientRects().length`)
	checkScreen(t, anna, "messages")

	cecilia := NewPhone(t, "cecilia")
	cecilia.Login(s, "cecilia")
	cecilia.SyncNow()
	cecilia.Click("nav-overview")
	cecilia.WaitScreen("overview")
	checkScreen(t, cecilia, "overview")

	david := NewPhone(t, "david")
	david.Login(s, "david")
	david.SyncNow()
	david.Click("nav-deviations")
	david.WaitScreen("analyse")
	david.WaitText("golvet i hallen")
	first := Eval[string](david, `document.querySelector('[data-testid^=analyse-]').dataset.testid`)
	david.Click(first)
	david.WaitFor("the analysis form", `!!document.querySelector('[data-testid=ana-consequence]')`)
	checkScreen(t, david, "analyse")
	t.Logf("accessibility of 14 screens checked in %s", time.Since(start).Round(time.Millisecond))
}

// checkRerenderKeepsFocus focuses a control far down the today screen, as a keyboard
// user gets there, and has a sync re-render the screen: the focus stays on the same
// control and the page where it was (not back on the heading at the top: WCAG 2.4.3).
// Once more with a control the app cannot name (its data-testid taken off before the
// sync, as a link or button without one): it is found again by its place.
func checkRerenderKeepsFocus(t *testing.T, p *Phone) {
	t.Helper()
	for _, unnamed := range []bool{false, true} {
		p.Quiet()
		id := Eval[string](p, fmt.Sprintf(`(() => {
			const all = document.querySelectorAll('main [data-testid^=client-]');
			const e = all[all.length - 1];
			e.focus();
			e.scrollIntoView({ block: 'center' });
			window.__a11yBefore = { node: e, y: window.scrollY };
			const id = e.dataset.testid;
			if (%t) e.removeAttribute('data-testid');
			return id;
		})()`, unnamed))
		p.SyncNow()
		p.WaitFor("a re-render after the sync", `!document.body.contains(window.__a11yBefore.node)`)
		p.Quiet()
		got := Eval[struct {
			Focus string  `json:"focus"`
			Y     float64 `json:"y"`
			Was   float64 `json:"was"`
		}](p, `({ focus: (document.activeElement.dataset && document.activeElement.dataset.testid) || document.activeElement.tagName, y: window.scrollY, was: window.__a11yBefore.y })`)
		if got.Focus != id || got.Y != got.Was || got.Y == 0 {
			t.Errorf("today (a control without a data-testid: %t): a re-render after a sync moved the focus from %s to %s and the page from %.0f to %.0f px", unnamed, id, got.Focus, got.Was, got.Y)
		}
	}
	Eval[bool](p, `(window.scrollTo(0, 0), document.querySelector('main h1').focus({ preventScroll: true }), true)`)
}

// checkScreen runs every check on what the phone shows now, in the light and the dark
// colour scheme, and fails the test on each problem.
func checkScreen(t *testing.T, p *Phone, name string) {
	t.Helper()
	for _, problem := range screenProblems(t, p) {
		t.Errorf("%s: %s", name, problem)
	}
}

// screenProblems is what the checks find on the screen the phone shows now.
func screenProblems(t *testing.T, p *Phone) []string {
	t.Helper()
	p.Quiet()
	p.Settle()
	var out []string
	for _, scheme := range []string{"light", "dark"} {
		emulateScheme(p, scheme)
		for _, s := range axeProblems(t, p) {
			out = append(out, scheme+": "+s)
		}
		for _, s := range focusProblems(t, p) {
			out = append(out, scheme+": "+s)
		}
	}
	emulateScheme(p, "")
	out = append(out, targetProblems(t, p)...)
	for _, s := range largeTextProblems(t, p) {
		out = append(out, "at 200 % text: "+s)
	}
	return out
}

// emulateScheme sets prefers-color-scheme ("light", "dark"; "" for the phone's own).
func emulateScheme(p *Phone, scheme string) {
	p.t.Helper()
	params := emulation.SetEmulatedMediaParams{}
	if scheme != "" {
		params.Features = []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}
	}
	p.run("prefers-color-scheme: "+scheme, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, params)
		return err
	}))
}

// injectAxe puts axe-core into the page once (until the next load) and checks it runs.
func injectAxe(t *testing.T, p *Phone) {
	t.Helper()
	if Eval[bool](p, `typeof window.axe === 'object' && typeof window.axe.run === 'function'`) {
		return
	}
	if !Eval[bool](p, axeSource+"\n;typeof window.axe === 'object' && typeof window.axe.run === 'function'") {
		t.Fatal("axe-core did not load in the page")
	}
	version := Eval[string](p, `axe.version`)
	if !strings.Contains(axeReadme, "axe-core "+version+" ") {
		t.Fatalf("axe-core in the page is %s, testdata/axe/README.md names another version", version)
	}
}

type axeNode struct {
	Target  []any  `json:"target"`
	Summary string `json:"summary"`
}

type axeRule struct {
	ID     string    `json:"id"`
	Impact string    `json:"impact"`
	Help   string    `json:"help"`
	Nodes  []axeNode `json:"nodes"`
}

type axeResult struct {
	Violations []axeRule `json:"violations"`
	Incomplete []axeRule `json:"incomplete"`
	Applied    []string  `json:"applied"`
}

// axeProblems runs axe-core's WCAG 2.1 A and AA rules on the whole document: each
// violation is a problem (rule id, impact, target), and so is a color-contrast rule that
// did not run. Rules that need a person to judge (axe's "incomplete") are logged.
func axeProblems(t *testing.T, p *Phone) []string {
	t.Helper()
	injectAxe(t, p)
	tags, _ := json.Marshal(axeTags)
	r := Eval[axeResult](p, fmt.Sprintf(`(() => {
		const rule = v => ({ id: v.id, impact: v.impact || '', help: v.help,
			nodes: v.nodes.map(n => ({ target: n.target, summary: n.failureSummary || '' })) });
		return axe.run(document, { runOnly: { type: 'tag', values: %s } }).then(r => ({
			violations: r.violations.map(rule),
			incomplete: r.incomplete.map(rule),
			applied: [...r.passes, ...r.violations, ...r.incomplete].map(x => x.id),
		}));
	})()`, tags))
	var out []string
	if !slices.Contains(r.Applied, "color-contrast") {
		out = append(out, fmt.Sprintf("axe did not check color-contrast (it applied %v)", r.Applied))
	}
	for _, v := range r.Violations {
		for _, n := range v.Nodes {
			out = append(out, fmt.Sprintf("axe %s (%s): %s\n  at %v\n  %s", v.ID, v.Impact, v.Help, n.Target, strings.ReplaceAll(n.Summary, "\n", "\n  ")))
		}
	}
	for _, v := range r.Incomplete {
		for _, n := range v.Nodes {
			t.Logf("axe cannot tell %s (%s) at %v: %s", v.ID, v.Help, n.Target, strings.ReplaceAll(n.Summary, "\n", " "))
		}
	}
	return out
}

// interactive is the JavaScript of the shown controls a finger may touch, each with a
// description for failures. A checkbox counts by its label (the label is the target). A
// link inside a sentence (display inline, in a p or li with more text) is excepted, as
// WCAG 2.5.5 excepts inline targets; the app has none now (every link is a button, a
// card, a row or a tab).
// notFolded tells whether an element is not folded away in a closed <details> (only its
// summary is shown), a JavaScript function.
const notFolded = `(x => {
	for (let d = x.closest('details:not([open])'); d; d = d.parentElement && d.parentElement.closest('details:not([open])')) {
		const sum = d.querySelector(':scope > summary');
		if (!sum || !sum.contains(x)) return false;
	}
	return true;
})`

const interactive = `(() => {
	const shown = e => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden' && !e.closest('.sr-only') && ` + notFolded + `(e);
	const inline = e => e.tagName === 'A' && getComputedStyle(e).display === 'inline' &&
		(p => !!p && p.textContent.trim().length > e.textContent.trim().length)(e.parentElement && e.parentElement.closest('p, li'));
	// A modal dialog makes the page behind it inert: only its own controls count.
	const modal = document.querySelector('dialog:modal');
	return [...document.querySelectorAll('button, a[href], input:not([type=hidden]), select, textarea, [role=button], summary, label')]
		.filter(e => !modal || modal.contains(e))
		.filter(e => e.tagName !== 'LABEL' || !!e.querySelector('input[type=checkbox], input[type=radio]'))
		.filter(e => !(e.tagName === 'INPUT' && ['checkbox', 'radio'].includes(e.type) && e.closest('label')))
		.filter(e => shown(e) && !inline(e))
		.map(e => ({ e, what: (e.dataset.testid ? '[data-testid=' + e.dataset.testid + ']' : e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '')) +
			' "' + (e.innerText || e.value || '').trim().slice(0, 30) + '"' }));
})()`

// small is the JavaScript test of a bounding box under the minimum target.
var small = fmt.Sprintf(`(b => b.width < %d - 0.01 || b.height < %[1]d - 0.01)`, minTarget)

// targetProblems lists the shown controls smaller than 44 × 44 CSS px.
func targetProblems(t *testing.T, p *Phone) []string {
	t.Helper()
	r := Eval[struct {
		N     int      `json:"n"`
		Small []string `json:"small"`
	}](p, `(all => ({ n: all.length, small: all.map(({ e, what }) => {
		const b = e.getBoundingClientRect();
		return `+small+`(b) ? what + ' is ' + b.width.toFixed(1) + ' × ' + b.height.toFixed(1) + ' px' : '';
	}).filter(Boolean) }))(`+interactive+`)`)
	var out []string
	if r.N == 0 {
		out = append(out, "no controls found")
	}
	for _, s := range r.Small {
		out = append(out, fmt.Sprintf("touch target under %d × %[1]d px: %s", minTarget, s))
	}
	return out
}

// largeTextProblems sets the root font size to 200 % (text size, not zoom: the app sizes
// in rem) and checks that nothing overflows sideways, that no button clips its text, and
// that every control can be scrolled into view, is what a finger touches there (not
// under the fixed navigation) and is still 44 px; it then sets the size back. A
// navigation (the bottom tabs) must not scroll sideways within itself either, and every
// line of every tab's label must lie whole inside its tab, the navigation and the screen.
func largeTextProblems(t *testing.T, p *Phone) []string {
	t.Helper()
	return Eval[[]string](p, `(async () => {
		// The phone's width (or the desktop's), not innerWidth: a mobile viewport widens to
		// content too wide.
		const width = `+fmt.Sprint(p.width())+`;
		const out = [];
		const de = document.documentElement;
		de.style.fontSize = '200%';
		try {
			await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
			if (de.scrollWidth > width + 1 || innerWidth > width + 1) {
				const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > width + 1 &&
					![...e.children].some(c => c.getBoundingClientRect().right > width + 1));
				out.push('the page scrolls sideways: ' + Math.max(de.scrollWidth, innerWidth) + ' px wide in ' + width + ' (' +
					wide.slice(0, 5).map(e => e.dataset.testid || e.tagName.toLowerCase() + '.' + e.className).join(', ') + ')');
			}
			// Before any control is scrolled into view (which would scroll a navigation).
			const name = e => e.dataset.testid || e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '');
			for (const nav of document.querySelectorAll('nav, .tabs')) {
				if (!nav.getClientRects().length) continue;
				if (nav.scrollWidth > nav.clientWidth + 1) out.push('the navigation ' + name(nav) + ' scrolls sideways: ' + nav.scrollWidth + ' px of tabs in ' + nav.clientWidth);
				const n = nav.getBoundingClientRect();
				// A fixed navigation must fit the screen's height too; one in the page scrolls with it.
				const screen = getComputedStyle(nav).position === 'fixed' ? { left: 0, right: width, top: 0, bottom: innerHeight } : { left: 0, right: width, top: -Infinity, bottom: Infinity };
				for (const tab of nav.querySelectorAll('a, button')) {
					if (!tab.getClientRects().length) continue;
					const b = tab.getBoundingClientRect();
					const walk = document.createTreeWalker(tab, NodeFilter.SHOW_TEXT);
					for (let node = walk.nextNode(); node; node = walk.nextNode()) {
						if (!node.data.trim()) continue;
						const range = document.createRange();
						range.selectNodeContents(node);
						for (const r of range.getClientRects()) {
							const inside = box => r.left >= box.left - 1 && r.right <= box.right + 1 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
							const where = !inside(b) ? 'its tab' : !inside(n) ? 'the navigation' : !inside(screen) ? 'the screen' : '';
							if (where) out.push('label clipped in ' + name(tab) + ': "' + node.data.trim() + '" at ' + r.left.toFixed(0) + '–' + r.right.toFixed(0) + ' × ' + r.top.toFixed(0) + '–' + r.bottom.toFixed(0) + ' px, outside ' + where);
						}
					}
				}
			}
			for (const b of document.querySelectorAll('button, .btn, .tab')) {
				if (b.getClientRects().length && b.scrollWidth > b.clientWidth + 1) out.push('text clipped in ' + (b.dataset.testid || b.className) + ': ' + b.scrollWidth + ' > ' + b.clientWidth + ' px');
			}
			for (const { e, what } of `+interactive+`) {
				e.scrollIntoView({ block: 'center', inline: 'nearest' });
				const b = e.getBoundingClientRect();
				if (`+small+`(b)) out.push(what + ' is ' + b.width.toFixed(1) + ' × ' + b.height.toFixed(1) + ' px');
				if (b.right < 1 || b.left > width - 1 || b.bottom < 1 || b.top > innerHeight - 1) { out.push(what + ' cannot be scrolled into view'); continue; }
				const x = Math.min(Math.max(b.left + b.width / 2, 0), width - 1);
				const y = Math.min(Math.max(b.top + b.height / 2, 0), innerHeight - 1);
				const top = document.elementFromPoint(x, y);
				const label = top && top.closest('label');
				if (!top || !(top === e || e.contains(top) || (label && (label.contains(e) || label.control === e)))) {
					out.push(what + ' is covered by ' + (top ? (top.dataset.testid || top.tagName.toLowerCase() + '.' + top.className) : 'nothing'));
				}
			}
		} finally {
			de.style.fontSize = '';
			window.scrollTo(0, 0);
		}
		return out;
	})()`)
}

// focusState is the focused element after a Tab.
type focusState struct {
	Done     bool     `json:"done"`
	Body     bool     `json:"body"`  // focus on the body, between the end and the top
	Again    bool     `json:"again"` // the same element (the next part of a date field)
	What     string   `json:"what"`
	TestID   string   `json:"testid"`
	Visible  bool     `json:"visible"` // matches :focus-visible
	Ring     string   `json:"ring"`    // the outline or box shadow it shows, or ""
	Contrast float64  `json:"contrast"`
	Missed   []string `json:"missed"` // tabbable elements the walk did not reach (at its end)
}

// tabState is the JavaScript that reads the focused element after a Tab: what it is,
// whether it shows a focus ring, and the contrast of the ring's colour against the
// background around it (WCAG 1.4.11: at least 3:1). At the end of a walk (focus back on
// the body or on an element seen before) it lists the tabbable elements not reached.
const tabState = `(() => {
	const seen = window.__a11yTabs || (window.__a11yTabs = new Set());
	const e = document.activeElement;
	const what = x => (x.dataset && x.dataset.testid ? '[data-testid=' + x.dataset.testid + ']' : x.tagName.toLowerCase() + (x.className ? '.' + String(x.className).split(' ').join('.') : '')) + ' "' + (x.innerText || x.value || '').trim().slice(0, 30) + '"';
	// A date and time field takes a Tab per part (day, month, …): one stop.
	if (e && e !== document.body && window.__a11yLast === e) return { done: false, again: true };
	window.__a11yLast = e;
	// From the end of the page focus goes to the body, and the next Tab to the top: the
	// walk ends at the second visit of the body or at an element seen before.
	if (!e || e === document.body || e === document.documentElement) window.__a11yBody = (window.__a11yBody || 0) + 1;
	if ((!e || e === document.body || e === document.documentElement) && window.__a11yBody < 2) return { done: false, body: true };
	if (!e || e === document.body || e === document.documentElement || seen.has(e)) {
		const tabbable = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
			.filter(x => x.tabIndex >= 0 && !x.disabled && x.getClientRects().length > 0 && getComputedStyle(x).visibility !== 'hidden' && !x.closest('[inert]'))
			.filter(` + notFolded + `)
			.filter(x => { const modal = document.querySelector('dialog:modal'); return !modal || modal.contains(x); }); // the rest is inert under a modal
		// A group of radio buttons is one stop: the arrow keys move within it.
		const groupSeen = x => x.type === 'radio' && [...seen].some(y => y.type === 'radio' && y.name === x.name && y.form === x.form);
		return { done: true, missed: tabbable.filter(x => !seen.has(x) && !groupSeen(x)).map(what) };
	}
	seen.add(e);
	const rgb = c => { const m = c.match(/rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/); return m ? { r: +m[1], g: +m[2], b: +m[3], a: m[4] === undefined ? 1 : +m[4] } : null; };
	const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
	// The background around the element: the first ancestor's opaque background colour.
	let bg = null;
	for (let x = e.parentElement; x && !bg; x = x.parentElement) { const c = rgb(getComputedStyle(x).backgroundColor); if (c && c.a > 0.5) bg = c; }
	bg = bg || { r: 255, g: 255, b: 255, a: 1 };
	const s = getComputedStyle(e);
	let ring = '', color = null;
	if (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 1) { ring = 'outline ' + s.outlineWidth + ' ' + s.outlineColor; color = rgb(s.outlineColor); }
	else if (s.boxShadow && s.boxShadow !== 'none') { ring = 'box-shadow ' + s.boxShadow; color = rgb(s.boxShadow); }
	const contrast = color ? (Math.max(lum(color), lum(bg)) + 0.05) / (Math.min(lum(color), lum(bg)) + 0.05) : 0;
	return { done: false, what: what(e), testid: (e.dataset && e.dataset.testid) || '', visible: e.matches(':focus-visible'), ring, contrast };
})()`

// tab presses Tab (CDP Input.dispatchKeyEvent) and reads the focused element.
func tab(p *Phone) focusState {
	p.t.Helper()
	p.run("press Tab", chromedp.KeyEvent(kb.Tab))
	return Eval[focusState](p, tabState)
}

// ringProblem tells what is wrong with the focus ring of a tab stop, or "".
func ringProblem(f focusState) string {
	switch {
	case !f.Visible || f.Ring == "":
		return fmt.Sprintf("%s has focus but no visible focus ring (:focus-visible %v, ring %q)", f.What, f.Visible, f.Ring)
	case f.Contrast < 3:
		return fmt.Sprintf("the focus ring of %s has a contrast of %.2f:1 against its background, under 3:1 (%s)", f.What, f.Contrast, f.Ring)
	}
	return ""
}

// maxTabs bounds a walk through a screen with the Tab key.
const maxTabs = 400

// focusProblems goes through the whole screen with the Tab key, from the top: every tab
// stop shows a focus ring of 3:1 against its background, every tabbable element is
// reached, and nothing has a positive tabindex (the order is the document's).
func focusProblems(t *testing.T, p *Phone) []string {
	t.Helper()
	var out []string
	if bad := Eval[[]string](p, `[...document.querySelectorAll('[tabindex]')].filter(e => e.tabIndex > 0).map(e => e.outerHTML.slice(0, 80))`); len(bad) > 0 {
		out = append(out, fmt.Sprintf("positive tabindex (focus order out of the document's): %v", bad))
	}
	Eval[bool](p, `(window.__a11yTabs = new Set(), window.__a11yBody = 0, window.__a11yLast = null, document.activeElement && document.activeElement.blur(), window.scrollTo(0, 0), true)`)
	for i := 0; ; i++ {
		if i == maxTabs {
			out = append(out, fmt.Sprintf("no end after %d presses of Tab", maxTabs))
			break
		}
		f := tab(p)
		if f.Done {
			for _, m := range f.Missed {
				out = append(out, "Tab never reaches "+m)
			}
			break
		}
		if s := ringProblem(f); s != "" && !f.Body && !f.Again {
			out = append(out, s)
		}
	}
	Eval[bool](p, `(window.scrollTo(0, 0), (document.querySelector('main h1') || document.body).focus({ preventScroll: true }), true)`)
	return out
}

// checkFocusOrder presses Tab from the screen's heading (where the app puts focus) and
// checks that focus visits the data-testids in order, each with a visible focus ring.
func checkFocusOrder(t *testing.T, p *Phone, name string, order ...string) {
	t.Helper()
	p.Quiet()
	p.WaitFor("focus on the heading", `document.activeElement && document.activeElement.tagName === 'H1'`)
	Eval[bool](p, `(window.__a11yTabs = new Set(), window.__a11yBody = 0, window.__a11yLast = null, true)`)
	for i, want := range order {
		f := tab(p)
		if f.Done || f.TestID != want {
			t.Fatalf("%s: Tab %d focuses %s, want [data-testid=%s] (order %v)", name, i+1, f.What, want, order)
		}
		if s := ringProblem(f); s != "" {
			t.Errorf("%s: %s", name, s)
		}
	}
}

// TestAccessibilityChecksFindFaults plants faults in the login screen and checks that the
// checks of TestAccessibility find each: axe runs in the page (a control without a label,
// grey text on white), a small target, a page too wide at 200 % text, a button that
// clips its text, a navigation that scrolls sideways and one whose tab cuts its label at
// 200 % text (as the bottom navigation did), and a control without a focus ring.
func TestAccessibilityChecksFindFaults(t *testing.T) {
	s := testserver.Start(t)
	p := NewPhone(t, "phone")
	p.Open(s.URL + "/")
	p.WaitScreen("login")
	p.Quiet()
	// Styles through the CSSOM (the CSP forbids style attributes in markup, not this).
	Eval[bool](p, `(() => {
		const main = document.querySelector('main');
		const add = (tag, text, style, attrs = {}) => {
			const e = document.createElement(tag);
			e.textContent = text;
			Object.assign(e.style, style);
			for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
			main.append(e);
			return e;
		};
		add('p', 'Grå text', { color: '#bbbbbb', background: '#ffffff' });
		add('input', '', {}, { type: 'text', 'data-testid': 'planted-unlabelled' });
		add('button', 'x', { minHeight: '0', minWidth: '0', width: '20px', height: '20px', padding: '0' }, { 'data-testid': 'planted-small', type: 'button' });
		add('div', 'bred', { width: '15rem', minWidth: '15rem' }, { 'data-testid': 'planted-wide' });
		add('button', 'Väldigt lång knapptext', { width: '8rem', whiteSpace: 'nowrap', overflow: 'hidden' }, { 'data-testid': 'planted-clipped', type: 'button', class: 'btn' });
		add('button', 'Ingen ring', { outline: 'none', minHeight: '3rem' }, { 'data-testid': 'planted-noring', type: 'button', class: 'btn' });
		// Navigations as the bottom one was: tabs in a row that scrolls sideways, and a tab
		// of fixed width that hides what does not fit.
		const nav = (testid, style, tabs, tabStyle) => {
			const n = add('nav', '', { display: 'flex', ...style }, { 'data-testid': testid, 'aria-label': testid });
			for (const text of tabs) {
				const a = document.createElement('a');
				a.href = '#/' + testid;
				a.textContent = text;
				a.dataset.testid = testid + '-tab';
				Object.assign(a.style, { flex: '0 0 auto', minHeight: '3.5rem', padding: '0.25rem', whiteSpace: 'nowrap', ...tabStyle });
				n.append(a);
			}
		};
		nav('planted-scrolling', { overflowX: 'auto' }, ['Idag', 'Meddelanden', 'Åtgärda', 'Signeringar']);
		nav('planted-cutting', {}, ['Meddelanden'], { width: '6rem', overflow: 'hidden' });
		return true;
	})()`)
	problems := strings.Join(screenProblems(t, p), "\n")
	for _, want := range []string{
		"light: axe label ", "light: axe color-contrast ", "planted-unlabelled",
		"touch target under 44 × 44 px: [data-testid=planted-small]",
		"at 200 % text: the page scrolls sideways",
		"at 200 % text: text clipped in planted-clipped",
		"at 200 % text: the navigation planted-scrolling scrolls sideways",
		"at 200 % text: label clipped in planted-cutting-tab: \"Meddelanden\"",
		"light: [data-testid=planted-noring] \"Ingen ring\" has focus but no visible focus ring",
		"dark: [data-testid=planted-noring]",
	} {
		if !strings.Contains(problems, want) {
			t.Errorf("the checks missed a planted fault: no %q in\n%s", want, problems)
		}
	}
}
