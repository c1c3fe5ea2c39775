package browser

import (
	"os"
	"path/filepath"
	"testing"

	"vardag/test/testserver"
)

// firstToDo finds, at 200 % text (the root font size, as largeTextProblems sets it) and
// the page at its top, Today's first actionable item: the first button or link in its
// assignments or its signings (a dose to sign, an assignment to acknowledge), and tells
// where it lies against the first screen: below the top bar's end, above the fixed tab
// bar, and what a finger touches there.
const firstToDo = `(async () => {
	const de = document.documentElement;
	de.style.fontSize = '200%';
	try {
		await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
		// The tab bar's height is followed by a ResizeObserver: let it run.
		await new Promise(r => setTimeout(r, 0));
		await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
		window.scrollTo(0, 0);
		const sections = [...document.querySelectorAll('main section')].filter(s => s.querySelector('#h-assign, #h-sign') || /^(h-assign|h-sign)$/.test(s.getAttribute('aria-labelledby') || ''));
		const items = sections.flatMap(s => [...s.querySelectorAll('button, a[href]')]).filter(e => e.getClientRects().length);
		items.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
		const e = items[0];
		const nav = document.querySelector('nav.tabs');
		const bar = document.querySelector('header.topbar');
		const out = { found: !!e, innerHeight, navTop: nav ? nav.getBoundingClientRect().top : innerHeight, barBottom: bar ? bar.getBoundingClientRect().bottom : 0 };
		if (!e) return out;
		const r = e.getBoundingClientRect();
		out.what = e.dataset.testid || e.className || e.tagName;
		out.top = r.top;
		out.bottom = r.bottom;
		const x = r.left + Math.min(r.width / 2, 40), y = r.top + r.height / 2;
		const hit = y >= 0 && y < innerHeight ? document.elementFromPoint(x, y) : null;
		out.touched = !!hit && (hit === e || e.contains(hit));
		return out;
	} finally {
		de.style.fontSize = '';
	}
})()`

// TestTodayShowsSomethingToDoInTheFirstScreenAt200PercentText: at 200 % text on a phone
// (390 × 844 CSS px), the top bar and the tab bar stay compact enough that the first
// screen of Today, before any scrolling, shows at least one actionable item whole: anna's
// first dose to sign or assignment to acknowledge lies between the top bar and the fixed
// tab bar, and a finger there touches it.
func TestTodayShowsSomethingToDoInTheFirstScreenAt200PercentText(t *testing.T) {
	s := testserver.Start(t)
	anna := NewPhone(t, "anna")
	anna.Login(s, "anna")
	anna.SyncNow()
	anna.WaitFor("a dose or an assignment on today", `!!document.querySelector('main section [data-testid^="ack-"], main section a[href*="sign"]')`)
	type place struct {
		Found       bool    `json:"found"`
		What        string  `json:"what"`
		Top         float64 `json:"top"`
		Bottom      float64 `json:"bottom"`
		InnerHeight float64 `json:"innerHeight"`
		NavTop      float64 `json:"navTop"`
		BarBottom   float64 `json:"barBottom"`
		Touched     bool    `json:"touched"`
	}
	p := Eval[place](anna, firstToDo)
	if dir := os.Getenv("VARDAG_SHOTS"); dir != "" {
		// For a look: the screen at 200 % text.
		Eval[bool](anna, `(document.documentElement.style.fontSize = '200%', true)`)
		anna.WaitFor("the large text", `getComputedStyle(document.documentElement).fontSize === '32px'`)
		os.WriteFile(filepath.Join(dir, "today-200.png"), anna.Screenshot(), 0o644)
		Eval[bool](anna, `(document.documentElement.style.fontSize = '', true)`)
	}
	if !p.Found {
		t.Fatal("today shows no dose to sign and no assignment to acknowledge")
	}
	t.Logf("at 200 %% text: the top bar ends at %.0f px, the tab bar starts at %.0f px of %.0f; the first item to do (%s) at %.0f–%.0f px",
		p.BarBottom, p.NavTop, p.InnerHeight, p.What, p.Top, p.Bottom)
	if p.Top < p.BarBottom || p.Bottom > p.NavTop || !p.Touched {
		t.Errorf("at 200 %% text the first item to do (%s) lies at %.0f–%.0f px, not whole between the top bar (ends at %.0f px) and the tab bar (starts at %.0f px) of the first screen (%.0f px); touched there: %v",
			p.What, p.Top, p.Bottom, p.BarBottom, p.NavTop, p.InnerHeight, p.Touched)
	}
}
