package e2e

import (
	"context"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/internal/uuids"
	"vardag/syncengine"
	"vardag/test/testserver"
)

// instead of failing the test (it runs in goroutines).

// notesSeen pulls as david (Aspen's manager) and returns the ids of the notes he sees.
func notesSeen(s *testserver.Server) map[string]bool {
	changes, _ := s.Login("david").Pull()
	seen := map[string]bool{}
	for _, c := range changes {
		if c.Kind == "journal_note" {
			seen[c.ID] = true
		}
	}
	return seen
}

// restoreInto writes a backup where a server looks for its data file, as an operator
// restoring it would.
func restoreInto(t *testing.T, backup []byte) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "vardag.db"), backup, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBackupTakenDuringPushesRestores takes a backup over HTTP while eight phones push,
// restores it into a fresh data directory, starts a server on it and finds every note
// acknowledged before the backup was asked for.
func TestBackupTakenDuringPushesRestores(t *testing.T) {
	s := testserver.Start(t)
	admin := s.Login("admin")
	phones := make([]*testserver.Device, 8)
	for i := range phones {
		phones[i] = s.Login([]string{"anna", "bo", "cecilia", "david"}[i%4])
	}
	st := startStorm(s, phones, "Under säkerhetskopiering")
	testserver.WaitUntil(t, "the phones to push", func() bool { return st.Count() >= 80 })
	before := st.Acked()
	headBefore := s.Head() // the log only grows: every note in before is at or below it
	res := s.Do("GET", "/api/v1/admin/backup", admin.Token, nil)
	testserver.WaitUntil(t, "pushes after the backup", func() bool { return st.Count() >= len(before)+40 })
	if _, failures := st.Stop(); len(failures) > 0 {
		t.Fatalf("pushes failed while the backup ran: %v", failures)
	}
	if res.Status != 200 {
		t.Fatalf("backup: %d %s", res.Status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	if cd := res.Header.Get("Content-Disposition"); !regexp.MustCompile(`^attachment; filename="vardag-\d{8}T\d{6}Z\.db"$`).MatchString(cd) {
		t.Errorf("Content-Disposition %q", cd)
	}
	if cl := res.Header.Get("Content-Length"); cl != itoa(len(res.Body)) {
		t.Errorf("Content-Length %q for %d bytes", cl, len(res.Body))
	}
	late := uuids.New() // acknowledged after the backup was taken: not in it
	if status, err := pushNote(s, phones[0], late, "Efter säkerhetskopian"); err != nil || status != 200 {
		t.Fatalf("push after the backup: %d %v", status, err)
	}
	if !strings.Contains(s.Logs.String(), `"msg":"api: backup taken","user_id":"`+demo.UserID("admin")+`"`) {
		t.Errorf("the backup is not logged with the administrator's id:\n%s", s.Logs.String())
	}
	s.Stop()

	dir := restoreInto(t, res.Body)
	head, err := syncengine.VerifyBackup(filepath.Join(dir, "vardag.db"))
	if err != nil || head < headBefore {
		t.Fatalf("verify: head %d (the log was at %d when the backup was asked for), %v", head, headBefore, err)
	}
	s.Clock.Advance(time.Minute) // past the TOTP steps used before the backup
	restored := testserver.StartIn(t, dir, s.Clock)
	if restored.Seeded || restored.Head() != head {
		t.Fatalf("restored server: seeded %v, head %d, backup head %d", restored.Seeded, restored.Head(), head)
	}
	seen := notesSeen(restored)
	missing := 0
	for id := range before {
		if !seen[id] {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d notes acknowledged before the backup are missing after the restore", missing, len(before))
	}
	if seen[late] {
		t.Fatal("a note pushed after the backup is in it: the restore did not use the backup")
	}
	t.Logf("%d notes acknowledged before the backup, %d in it, %d acknowledged in all", len(before), len(seen), st.Count()+1)
}

// TestRestoreAsPhonesMeetIt checks what docs/OPERATIONS.md tells operators about phones
// after a restore: a phone that pushed after the backup gets mutation_gap and can send
// its outbox again from the server's last id; a phone that pulled past the end of the
// restored log gets cursor_expired, and still does once the restored log has grown past
// its old position (the cursor names the entry it was made at).
func TestRestoreAsPhonesMeetIt(t *testing.T) {
	s := testserver.Start(t)
	admin, anna, bo := s.Login("admin"), s.Login("anna"), s.Login("bo")
	anna.Push("journal.note.add", testserver.Note(uuids.New(), demo.ClientID(1), "Före säkerhetskopian", s.Clock.Now()))
	backup := s.Do("GET", "/api/v1/admin/backup", admin.Token, nil)
	if backup.Status != 200 {
		t.Fatalf("backup: %d %s", backup.Status, backup.Body)
	}
	for i := 0; i < 3; i++ { // acknowledged after the backup: lost by the restore
		anna.Push("journal.note.add", testserver.Note(uuids.New(), demo.ClientID(1), "Efter säkerhetskopian", s.Clock.Now()))
	}
	bo.Pull()
	oldHead := s.Head()
	s.Stop()
	s.Clock.Advance(time.Minute)
	r := testserver.StartIn(t, restoreInto(t, backup.Body), s.Clock)

	pull := r.Do("GET", "/api/v1/sync/pull?cursor="+bo.Cursor, bo.Token, nil)
	if pull.Status != 409 || pull.ErrorCode() != "cursor_expired" {
		t.Fatalf("bo's cursor is past the restored log: %d %s", pull.Status, pull.Body)
	}

	outbox := anna.Batch("journal.note.add", testserver.Note(uuids.New(), demo.ClientID(1), "I utkorgen", s.Clock.Now()))
	push := func() testserver.Response {
		return r.Do("POST", "/api/v1/sync/push", anna.Token, map[string]any{"device_id": anna.DeviceID, "mutations": outbox})
	}
	res := push()
	var gap struct {
		LastMutationID uint64 `json:"last_mutation_id"`
	}
	res.JSON(t, &gap)
	if res.Status != 409 || res.ErrorCode() != "mutation_gap" || gap.LastMutationID != 1 {
		t.Fatalf("anna's push numbered %d after the restore: %d %s", outbox[0].ID, res.Status, res.Body)
	}
	outbox[0].ID = gap.LastMutationID + 1 // the phone renumbers its outbox
	if res = push(); res.Status != 200 || !strings.Contains(string(res.Body), `"status":"applied"`) {
		t.Fatalf("the renumbered outbox: %d %s", res.Status, res.Body)
	}

	// New work carries the restored log past bo's old cursor. That cursor must still be
	// refused: accepted, it would skip the changes numbered between the end of the restored
	// log and where bo's phone stood in the old one.
	for i := 0; i < 8; i++ {
		ms := []testserver.Mutation{{ID: outbox[0].ID + 1 + uint64(i), Name: "journal.note.add", ClientTime: s.Clock.Now(),
			Args: testserver.Note(uuids.New(), demo.ClientID(1), "Efter återställningen", s.Clock.Now())}}
		if res := r.Do("POST", "/api/v1/sync/push", anna.Token, map[string]any{"device_id": anna.DeviceID, "mutations": ms}); res.Status != 200 {
			t.Fatalf("push after the restore: %d %s", res.Status, res.Body)
		}
	}
	if r.Head() <= oldHead {
		t.Fatalf("the restored log (%d) should now be past bo's old cursor (%d)", r.Head(), oldHead)
	}
	pull = r.Do("GET", "/api/v1/sync/pull?cursor="+bo.Cursor, bo.Token, nil)
	if pull.Status != 409 || pull.ErrorCode() != "cursor_expired" {
		t.Fatalf("bo's cursor from the old log, once the restored one is longer: %d %.300s", pull.Status, pull.Body)
	}
}

func TestBackupIsForAdministratorsOnly(t *testing.T) {
	s := testserver.Start(t)
	anna, david, admin := s.Login("anna"), s.Login("david"), s.Login("admin")
	for _, tc := range []struct {
		name, token string
		status      int
		code        string
	}{
		{"no token", "", 401, "unauthenticated"},
		{"a forged token", "not-a-token", 401, "unauthenticated"},
		{"care staff", anna.Token, 403, "forbidden"},
		{"unit manager", david.Token, 403, "forbidden"},
		{"administrator", admin.Token, 200, ""},
	} {
		res := s.Do("GET", "/api/v1/admin/backup", tc.token, nil)
		if res.Status != tc.status || (tc.code != "" && res.ErrorCode() != tc.code) {
			t.Errorf("%s: %d %.200s", tc.name, res.Status, res.Body)
		}
	}
	if n := strings.Count(s.Logs.String(), `"msg":"api: backup taken"`); n != 1 {
		t.Errorf("want one backup logged, got %d", n)
	}
	if strings.Contains(s.Logs.String(), `"api: backup taken","user_id":"`+demo.UserID("anna")) {
		t.Error("anna's refused request is logged as a backup")
	}
}

// TestBackupCommand runs `vardag backup` as an operator would.
func TestBackupCommand(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "vardag")
	if out, err := exec.Command("go", "build", "-o", bin, "vardag/server").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}

	t.Run("offline from a stopped server's directory", func(t *testing.T) {
		s := testserver.Start(t)
		anna := s.Login("anna")
		var ids []string
		for i := 0; i < 5; i++ {
			id := uuids.New()
			anna.Push("journal.note.add", testserver.Note(id, demo.ClientID(1), "Före stoppet", s.Clock.Now()))
			ids = append(ids, id)
		}
		head := s.Head()
		s.Stop()
		out := filepath.Join(t.TempDir(), "backup.db")
		stdout, stderr, code := runCmd(t, bin, nil, "backup", "-data", s.Dir(), "-out", out)
		if code != 0 || !strings.Contains(stdout, "sequence "+itoa(int(head))) {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
		}
		checkBackupFile(t, out, head)
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		s.Clock.Advance(time.Minute)
		seen := notesSeen(testserver.StartIn(t, restoreInto(t, b), s.Clock))
		for _, id := range ids {
			if !seen[id] {
				t.Fatalf("note %s is missing from the restored server", id)
			}
		}
	})

	t.Run("offline refuses a running server's directory", func(t *testing.T) {
		s := testserver.Start(t)
		out := filepath.Join(t.TempDir(), "backup.db")
		start := time.Now()
		_, stderr, code := runCmd(t, bin, nil, "backup", "-data", s.Dir(), "-out", out)
		if code != 1 || !strings.Contains(stderr, "in use: the server is running") || !strings.Contains(stderr, "-url") {
			t.Fatalf("exit %d, stderr: %s", code, stderr)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("took %v to give up", d)
		}
		noFile(t, out)
		noFile(t, out+".tmp")
		anna := s.Login("anna") // the server is untouched
		anna.Push("journal.note.add", testserver.Note(uuids.New(), demo.ClientID(1), "Efter försöket", s.Clock.Now()))
	})

	t.Run("online through the running server", func(t *testing.T) {
		s := testserver.Start(t)
		admin, anna := s.Login("admin"), s.Login("anna")
		anna.Push("journal.note.add", testserver.Note(uuids.New(), demo.ClientID(1), "Medan servern kör", s.Clock.Now()))
		out := filepath.Join(t.TempDir(), "backup.db")

		_, stderr, code := runCmd(t, bin, []string{"VARDAG_TOKEN=" + anna.Token}, "backup", "-url", s.URL, "-out", out)
		if code != 1 || !strings.Contains(stderr, "403") || !strings.Contains(stderr, "forbidden") {
			t.Fatalf("care staff's token: exit %d, stderr: %s", code, stderr)
		}
		noFile(t, out)
		noFile(t, out+".tmp")

		stdout, stderr, code := runCmd(t, bin, []string{"VARDAG_TOKEN=" + admin.Token}, "backup", "-url", s.URL+"/", "-out", out)
		if code != 0 {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
		}
		checkBackupFile(t, out, s.Head())
		if strings.Contains(stdout+stderr, admin.Token) {
			t.Fatal("the command printed the token")
		}
	})

	t.Run("clear refusals", func(t *testing.T) {
		dir := t.TempDir()
		out := filepath.Join(dir, "b.db")
		for _, tc := range []struct {
			env  []string
			args []string
			want string
		}{
			{nil, []string{"backup", "-out", out}, "give -url (a running server) or -data"},
			{nil, []string{"backup", "-url", "http://127.0.0.1:1", "-data", dir, "-out", out}, "not both"},
			{nil, []string{"backup", "-data", dir}, "-out FILE is required"},
			{nil, []string{"backup", "-url", "http://127.0.0.1:1", "-out", out}, "set VARDAG_TOKEN"},
			{[]string{"VARDAG_TOKEN=x"}, []string{"backup", "-url", "http://vardag.example.se", "-out", out}, "use https"},
			{[]string{"VARDAG_TOKEN=x"}, []string{"backup", "-url", "127.0.0.1:8080", "-out", out}, "-url must look like"},
		} {
			_, stderr, code := runCmd(t, bin, tc.env, tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("%v: exit %d, stderr: %s", tc.args, code, stderr)
			}
		}
		_, stderr, code := runCmd(t, bin, nil, "backup", "-data", dir, "-out", out) // no vardag.db there
		if code != 1 || !strings.Contains(stderr, "no such file") {
			t.Errorf("empty directory: exit %d, stderr: %s", code, stderr)
		}
		noFile(t, out)
	})
}

// runCmd runs the binary with env added to a clean environment (no VARDAG_TOKEN from the
// caller's) and returns its output and exit code.
func runCmd(t *testing.T, bin string, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VARDAG_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	var outB, errB strings.Builder
	cmd.Stdout, cmd.Stderr = &outB, &errB
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit) && ctx.Err() == nil:
		code = exit.ExitCode()
	default:
		t.Fatalf("%v: %v\n%s", args, err, errB.String())
	}
	return outB.String(), errB.String(), code
}

// checkBackupFile checks a written backup: verified, the expected log head, private, and
// no temporary file beside it.
func checkBackupFile(t *testing.T, path string, head uint64) {
	t.Helper()
	got, err := syncengine.VerifyBackup(path)
	if err != nil || got != head {
		t.Fatalf("verify: head %d, want %d, %v", got, head, err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("the backup's mode is %v, want 0600", info.Mode().Perm())
	}
	noFile(t, path+".tmp")
}

func noFile(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s should not exist (%v)", path, err)
	}
}

// TestHeadOnTheBackupCopiesNothingAndLogsNoRead: HEAD on the backup is answered 405 with
// Allow: GET before anything is done. A HEAD would run the GET's handler and drop its
// body: copy the whole data file and log a read of every client for a file never sent.
func TestHeadOnTheBackupCopiesNothingAndLogsNoRead(t *testing.T) {
	s := testserver.Start(t)
	admin, david := s.Login("admin"), s.Login("david")
	head := s.Head()
	res := s.Do("HEAD", "/api/v1/admin/backup", admin.Token, nil)
	if res.Status != 405 || res.Header.Get("Allow") != "GET" {
		t.Fatalf("HEAD on the backup: %d, Allow %q; want 405 with Allow GET", res.Status, res.Header.Get("Allow"))
	}
	if strings.Contains(s.Logs.String(), "backup taken") {
		t.Error("HEAD on the backup took a backup")
	}
	if s.Head() != head {
		t.Errorf("HEAD on the backup wrote to the log: head %d → %d", head, s.Head())
	}
	review, page := accessLog(t, s, david.Token, url.Values{"unit_id": {demo.AspenID}, "user_id": {demo.UserID("admin")}})
	if review.Status != 200 || len(page.Entries) != 0 {
		t.Errorf("HEAD on the backup logged reads: %d %s", review.Status, review.Body)
	}
}
