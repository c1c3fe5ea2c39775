package mobileweb

import (
	"bytes"
	"encoding/json"
	"image/png"
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"vardag/internal/accesslog"
	"vardag/internal/adminlog"
	"vardag/internal/assignments"
	"vardag/internal/deviations"
	"vardag/internal/identity"
	"vardag/internal/journal"
	msgs "vardag/internal/messages"
	"vardag/internal/reference"
	"vardag/internal/signing"
	"vardag/syncengine"
)

func TestManifestIsInstallable(t *testing.T) {
	var m struct {
		Name, ShortName, Lang, StartURL, Display, ThemeColor, BackgroundColor string
		Icons                                                                 []struct{ Src, Sizes, Type, Purpose string }
	}
	raw := readFile(t, "manifest.webmanifest")
	// The manifest's keys are snake_case; map them onto the struct's fields.
	fix := strings.NewReplacer("short_name", "ShortName", "start_url", "StartURL", "theme_color", "ThemeColor", "background_color", "BackgroundColor")
	if err := json.Unmarshal([]byte(fix.Replace(raw)), &m); err != nil {
		t.Fatal(err)
	}
	if m.Name != "Vardag" || m.ShortName == "" || m.Lang != "sv" || m.StartURL != "/" || m.Display != "standalone" || m.ThemeColor == "" || m.BackgroundColor == "" {
		t.Errorf("manifest fields: %+v", m)
	}
	want := map[string]bool{"512x512 maskable": false, "512x512 any": false, "192x192 any": false}
	for _, ic := range m.Icons {
		want[ic.Sizes+" "+ic.Purpose] = true
		b, err := fs.ReadFile(FS(), strings.TrimPrefix(ic.Src, "/"))
		if err != nil {
			t.Errorf("icon %s: %v", ic.Src, err)
			continue
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			t.Errorf("icon %s is not a PNG: %v", ic.Src, err)
			continue
		}
		if got := strconv.Itoa(cfg.Width) + "x" + strconv.Itoa(cfg.Height); got != ic.Sizes {
			t.Errorf("icon %s is %s, manifest says %s", ic.Src, got, ic.Sizes)
		}
	}
	for k, ok := range want {
		if !ok {
			t.Errorf("manifest has no %s icon", k)
		}
	}
}

func messages(t *testing.T, lang string) map[string]string {
	t.Helper()
	var m map[string]string
	if err := json.Unmarshal([]byte(readFile(t, "i18n/"+lang+".json")), &m); err != nil {
		t.Fatalf("i18n/%s.json: %v", lang, err)
	}
	return m
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestMessageFilesHaveTheSameKeys(t *testing.T) {
	sv, en := messages(t, "sv"), messages(t, "en")
	for _, k := range keys(sv) {
		if _, ok := en[k]; !ok {
			t.Errorf("en.json lacks %q", k)
		}
		if strings.TrimSpace(sv[k]) == "" {
			t.Errorf("sv.json has an empty %q", k)
		}
	}
	for _, k := range keys(en) {
		if _, ok := sv[k]; !ok {
			t.Errorf("sv.json lacks %q", k)
		}
	}
	// The same placeholders in both languages.
	ph := regexp.MustCompile(`\{\w+\}`)
	for k, s := range sv {
		a, b := ph.FindAllString(s, -1), ph.FindAllString(en[k], -1)
		sort.Strings(a)
		sort.Strings(b)
		if !slices.Equal(a, b) {
			t.Errorf("%q: placeholders %v in sv, %v in en", k, a, b)
		}
	}
}

// Every key the code names, as t('key') or data-i18n="key", is in the message files;
// so are the keys built from codes the server sends.
func TestEveryUsedKeyExists(t *testing.T) {
	sv := messages(t, "sv")
	used := map[string]string{}
	call := regexp.MustCompile(`\bt\(\s*'([^']+)'|\bt\(\s*"([^"]+)"`)
	plural := regexp.MustCompile(`\btn\(\s*'([^']+)'`) // a count: both forms
	attr := regexp.MustCompile(`data-i18n="([^"]+)"`)
	walkJS(t, func(name, src string) {
		if strings.HasPrefix(name, "vendor/") {
			return
		}
		for _, m := range call.FindAllStringSubmatch(src, -1) {
			used[m[1]+m[2]] = name
		}
		for _, m := range plural.FindAllStringSubmatch(src, -1) {
			used[m[1]+"_one"], used[m[1]+"_other"] = name, name
		}
	})
	for _, name := range htmlFiles(t) {
		for _, m := range attr.FindAllStringSubmatch(readFile(t, name), -1) {
			used[m[1]] = name
		}
	}
	if len(used) < 100 {
		t.Errorf("only %d keys found in use; is the pattern right?", len(used))
	}
	// Keys built from data, by their prefix and the values that can fill it.
	built := map[string][]string{
		"deviation.type.":     deviations.Types,
		"activity.":           deviations.Activities,
		"profession.":         deviations.Professions,
		"analyse.lex.":        deviations.LexAssessments,
		"analyse.status.":     {deviations.StatusInvestigating, deviations.StatusClosed, "new"},
		"outcome.":            signing.Outcomes,
		"alert.":              {signing.AlertDoubleSigning, signing.AlertMissed},
		"role.":               {string(identity.RoleCareStaff), string(identity.RoleUnitRep), string(identity.RoleCoordinator), string(identity.RoleUnitManager), string(identity.RoleLicensed), "administrator"},
		"mutation.":           mutationNames(),
		"admin.act.":          adminlog.Whats,
		"admin.factor.":       {"totp", "sms", "token", "none"},
		"admin.grant.status.": {identity.GrantActive, identity.GrantPending, identity.GrantRejected, identity.GrantEnded},
		"admin.kind.":         {"own", "private"},
		"measure_kind.":       referenceCodes(reference.KindMeasureKinds),
		"login.reason.":       {"session_ended", "wiped_offline", "device_revoked", "logged_out", "too_many_unlocks"},
		"code.hint_":          {"totp", "sms"},
		"assignment.status.":  {"new", "distributed"},
	}
	for _, areas := range deviations.Areas {
		built["deviation.area."] = append(built["deviation.area."], areas...)
	}
	for prefix, values := range built {
		for _, v := range values {
			used[prefix+v] = "(built from " + prefix + ")"
		}
	}
	for k, where := range used {
		if _, ok := sv[k]; !ok {
			t.Errorf("%s uses %q, which is not in the message files", where, k)
		}
	}
}

// mutationNames are the names of every change the server takes: the needs-attention
// screen names a refused one by its mutation.<name> text.
func mutationNames() []string {
	var names []string
	for _, hs := range []map[string]syncengine.Handler{
		journal.Handlers(), deviations.Handlers(), msgs.Handlers(nil), assignments.Handlers(nil),
		reference.Handlers(), signing.Handlers(nil), accesslog.Handlers(nil),
	} {
		for name := range hs {
			names = append(names, name)
		}
	}
	return names
}

// referenceCodes are the codes of a reference list as a municipality starts with it.
func referenceCodes(kind string) []string {
	var out []string
	for _, l := range reference.Defaults() {
		if l.Kind == kind {
			for _, it := range l.Items {
				out = append(out, it.Code)
			}
		}
	}
	return out
}

// codes.js repeats the server's deviation codes for the form; they must agree.
func TestDeviationCodesMatchTheServer(t *testing.T) {
	src := readFile(t, "js/codes.js")
	list := func(name string) []string {
		re := regexp.MustCompile(`(?s)` + name + `\s*[:=]\s*\[([^\]]*)\]`)
		m := re.FindStringSubmatch(src)
		if m == nil {
			t.Fatalf("codes.js has no %s", name)
		}
		var out []string
		for _, q := range regexp.MustCompile(`'([^']*)'`).FindAllStringSubmatch(m[1], -1) {
			out = append(out, q[1])
		}
		return out
	}
	check := func(name string, got, want []string) {
		if !slices.Equal(got, want) {
			t.Errorf("codes.js %s = %v, server %v", name, got, want)
		}
	}
	check("DEVIATION_TYPES", list("DEVIATION_TYPES"), deviations.Types)
	check("ACTIVITIES", list("ACTIVITIES"), deviations.Activities)
	check("PROFESSIONS", list("PROFESSIONS"), deviations.Professions)
	check("LEX", list("LEX"), deviations.LexAssessments)
	for activity, areas := range deviations.Areas {
		check("AREAS."+activity, list(activity), areas)
	}
}
