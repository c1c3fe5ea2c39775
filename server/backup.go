package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"vardag/syncengine"
)

// runBackup is `vardag backup`: a verified copy of the data file, taken from a running
// server over HTTP (-url) or from a stopped server's data directory (-data). A running
// server holds the file exclusively, so -data cannot read it then.
func runBackup(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vardag backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, `usage:
  VARDAG_TOKEN=<administrator's access token> vardag backup -url http://127.0.0.1:8080 -out FILE
  vardag backup -data DIR -out FILE     (the server must be stopped)

`)
		fs.PrintDefaults()
	}
	serverURL := fs.String("url", "", "address of the running server; the token is read from $VARDAG_TOKEN")
	dataDir := fs.String("data", "", "data directory of a stopped server (holds vardag.db)")
	out := fs.String("out", "", "file to write the backup to (replaced if it exists)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usage := func(msg string) int {
		fmt.Fprintln(stderr, "backup: "+msg+" (vardag backup -h shows how)")
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return usage(fmt.Sprintf("unexpected argument %q", fs.Arg(0)))
	case *out == "":
		return usage("-out FILE is required")
	case *serverURL != "" && *dataDir != "":
		return usage("give -url (a running server) or -data (a stopped server's directory), not both")
	case *serverURL == "" && *dataDir == "":
		return usage("give -url (a running server) or -data (a stopped server's directory)")
	}

	if inUse(*out) {
		return usage(*out + " is the data file of a running server; write the backup elsewhere")
	}
	var copyTo func(io.Writer) (int64, error)
	if *serverURL != "" {
		token := getenv("VARDAG_TOKEN")
		if token == "" {
			// Never a flag: flags show in process lists.
			return usage("set VARDAG_TOKEN to an administrator's access token")
		}
		endpoint, err := backupEndpoint(*serverURL)
		if err != nil {
			return usage(err.Error())
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		copyTo = func(w io.Writer) (int64, error) { return fetchBackup(ctx, endpoint, token, w) }
	} else {
		path := filepath.Join(*dataDir, "vardag.db")
		if same, _ := samePath(path, *out); same {
			return usage("-out must not be the data file itself")
		}
		store, err := syncengine.OpenBoltReadOnly(path, 2*time.Second)
		if errors.Is(err, syncengine.ErrStoreLocked) {
			fmt.Fprintf(stderr, "backup: %s is in use: the server is running. Stop it first, or back up the running server with -url.\n", path)
			return 1
		}
		if err != nil {
			fmt.Fprintf(stderr, "backup: %v\n", err)
			return 1
		}
		defer store.Close()
		copyTo = store.Backup
	}
	size, head, err := writeVerified(*out, copyTo)
	if err != nil {
		fmt.Fprintf(stderr, "backup: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "backup: wrote %s, %d bytes, checked; the change log ends at sequence %d\n", *out, size, head)
	return 0
}

// writeVerified writes the backup to out.tmp, fsyncs and checks it, and only then renames
// it to out: a failed backup never leaves a file named like a good one.
func writeVerified(out string, copyTo func(io.Writer) (int64, error)) (size int64, head uint64, err error) {
	tmp := out + ".tmp"
	_ = os.Remove(tmp) // a leftover of a failed run; create afresh with our own mode
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if size, err = copyTo(f); err != nil {
		return 0, 0, err
	}
	if err = f.Sync(); err != nil {
		return 0, 0, err
	}
	if err = f.Close(); err != nil {
		return 0, 0, err
	}
	if head, err = syncengine.VerifyBackup(tmp); err != nil {
		return 0, 0, err
	}
	if err = os.Rename(tmp, out); err != nil {
		return 0, 0, err
	}
	if dir, err := os.Open(filepath.Dir(out)); err == nil { // make the rename durable
		_ = dir.Sync()
		dir.Close()
	}
	return size, head, nil
}

// backupEndpoint checks the server address. The token and the copy of every record must
// not cross a network in clear text: plain http only to this machine.
func backupEndpoint(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "", fmt.Errorf("-url must look like http://127.0.0.1:8080 or https://vardag.example.se, not %q", raw)
	}
	if u.Scheme == "http" {
		host := u.Hostname()
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return "", fmt.Errorf("plain http is allowed only to this machine (127.0.0.1, ::1, localhost); use https for %s", host)
		}
	}
	return strings.TrimRight(u.String(), "/") + "/api/v1/admin/backup", nil
}

// fetchBackup asks the running server for a backup and copies it to w.
func fetchBackup(ctx context.Context, endpoint, token string, w io.Writer) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.ResponseHeaderTimeout = 10 * time.Minute // the server writes its copy first
	res, err := (&http.Client{Transport: transport}).Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		var e struct {
			Error struct{ Code, Message string }
		}
		_ = json.NewDecoder(io.LimitReader(res.Body, 64<<10)).Decode(&e)
		return 0, fmt.Errorf("the server answered %s: %s %s", res.Status, e.Error.Code, e.Error.Message)
	}
	n, err := io.Copy(w, res.Body)
	if err != nil {
		return n, fmt.Errorf("the download broke off after %d bytes: %w", n, err)
	}
	if res.ContentLength >= 0 && n != res.ContentLength {
		return n, fmt.Errorf("the server sent %d of %d bytes", n, res.ContentLength)
	}
	return n, nil
}

// inUse tells whether path is a store file that a running server holds.
func inUse(path string) bool {
	store, err := syncengine.OpenBoltReadOnly(path, 200*time.Millisecond)
	if err == nil {
		store.Close()
	}
	return errors.Is(err, syncengine.ErrStoreLocked)
}

// samePath tells whether two paths name the same file (false when either is missing).
func samePath(a, b string) (bool, error) {
	ia, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	ib, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(ia, ib), nil
}
