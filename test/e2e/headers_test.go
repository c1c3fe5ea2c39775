package e2e

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vardag/internal/demo"
	"vardag/server/config"
	"vardag/test/testserver"
)

// checkCSP checks a Content-Security-Policy (W3C CSP Level 3; OWASP ASVS 5.0 V3.4.3 and
// V3.4.6): everything from the server's own origin only, no inline script or eval, and
// the page never framed.
func checkCSP(t *testing.T, what string, h http.Header) {
	t.Helper()
	csp := h.Get("Content-Security-Policy")
	if csp == "" {
		t.Errorf("%s: no Content-Security-Policy", what)
		return
	}
	directives := map[string]string{}
	for _, d := range strings.Split(csp, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
		directives[strings.ToLower(name)] = strings.TrimSpace(value)
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("%s: CSP allows inline code or eval: %q", what, csp)
	}
	if directives["default-src"] != "'self'" {
		t.Errorf("%s: CSP default-src is %q, want 'self': %q", what, directives["default-src"], csp)
	}
	if directives["frame-ancestors"] != "'none'" {
		t.Errorf("%s: CSP frame-ancestors is %q, want 'none': %q", what, directives["frame-ancestors"], csp)
	}
	if directives["object-src"] != "'none'" || directives["base-uri"] != "'none'" {
		t.Errorf("%s: CSP needs object-src 'none' and base-uri 'none' (ASVS 5.0 V3.4.3): %q", what, csp)
	}
}

// TestSecurityHeadersOverPlainHTTP: every answer, the phone app's page, an API answer, an
// error answer, the live stream and an error the server answers before any route,
// carries a strict CSP (OWASP ASVS 5.0 V3.4.3, V3.4.6), X-Content-Type-Options: nosniff
// (V3.4.4), X-Frame-Options: DENY and Referrer-Policy: no-referrer; every API answer,
// errors included, is
// Cache-Control: no-store (ASVS 5.0 V14.3.2; RFC 9111 §5.2.2.5); and plain HTTP never
// sends Strict-Transport-Security (RFC 6797 §7.2).
func TestSecurityHeadersOverPlainHTTP(t *testing.T) {
	s := testserver.Start(t)
	anna := s.Login("anna")
	for _, c := range []struct {
		name       string
		method     string
		path       string
		token      string
		status     int
		api        bool
		errorShape bool
	}{
		{"the phone app", "GET", "/", "", 200, false, false},
		{"healthz", "GET", "/healthz", "", 200, false, false},
		{"an API answer", "GET", "/api/v1/sync/pull", anna.Token, 200, true, false},
		{"an API error (401)", "GET", "/api/v1/sync/pull", "", 401, true, true},
		{"an API error (404)", "GET", "/api/v1/no-such-route", anna.Token, 404, true, true},
		{"a login error (401)", "POST", "/api/v1/auth/login", "", 401, true, true},
		{"a wrong method (405)", "GET", "/api/v1/admin/users/" + demo.UserID("bo") + "/unlock", anna.Token, 405, true, true},
		{"an unknown method (405)", "PROPFIND", "/api/v1/sync/push", anna.Token, 405, true, true},
	} {
		var body any
		if c.method == "POST" {
			body = map[string]string{"username": "nobody", "password": "wrong-password"}
		}
		res := s.Do(c.method, c.path, c.token, body)
		if res.Status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, res.Status, res.Body, c.status)
			continue
		}
		if c.errorShape && res.ErrorCode() == "" {
			t.Errorf("%s: not the error shape: %s", c.name, res.Body)
		}
		checkHeaders(t, c.name, res.Header, c.api)
	}
	// The live stream writes its own head; a body over the limit is answered by the server
	// before any route.
	_, live := stream(t, s, anna.Token)
	checkHeaders(t, "the live stream", live.Header, true)
	tooLarge := postWhileReading(t, s.URL+"/api/v1/sync/push", anna.Token, strings.Repeat("x", 5<<20))
	tooLarge.Body.Close()
	if tooLarge.StatusCode != 413 {
		t.Errorf("a body over the limit: %d", tooLarge.StatusCode)
	}
	checkHeaders(t, "a body over the limit (413)", tooLarge.Header, true)
}

// checkHeaders checks the headers every answer over plain HTTP carries: a strict CSP,
// X-Content-Type-Options, X-Frame-Options and Referrer-Policy; no HSTS; and on the API,
// Cache-Control: no-store.
func checkHeaders(t *testing.T, what string, h http.Header, api bool) {
	t.Helper()
	checkCSP(t, what, h)
	for name, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: %s %q, want %q", what, name, got, want)
		}
	}
	if api {
		if got := h.Get("Cache-Control"); got != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", what, got)
		}
	}
	if got := h.Values("Strict-Transport-Security"); len(got) != 0 {
		t.Errorf("%s: HSTS over plain HTTP (RFC 6797 §7.2): %q", what, got)
	}
}

// selfSigned writes a self-signed ECDSA P-256 certificate for 127.0.0.1 into dir and
// answers the paths of cert.pem and key.pem, and the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "vardag test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	if cert, err = x509.ParseCertificate(der); err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile, cert
}

// httpsDo sends a request with client and reads the answer whole.
func httpsDo(t *testing.T, client *http.Client, method, url, token string, body any) testserver.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.TLS == nil {
		t.Fatalf("%s %s: answered without TLS", method, url)
	}
	return testserver.Response{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// TestHSTSOverTLS: with a certificate configured the server speaks only HTTPS, and every
// answer over it carries Strict-Transport-Security for a year with includeSubDomains
// (RFC 6797 §6.1; OWASP ASVS 5.0 V3.4.1). Plain HTTP on the TLS port gets no answer in
// clear text (ASVS 5.0 V12.2.1: TLS for all connectivity, no fallback).
func TestHSTSOverTLS(t *testing.T) {
	certFile, keyFile, cert := selfSigned(t, t.TempDir())
	s := testserver.Start(t, func(c *config.Config) { c.TLSCert, c.TLSKey = certFile, keyFile })
	// testserver names the address http://; the listener speaks TLS.
	host := strings.TrimPrefix(s.URL, "http://")
	base := "https://" + host
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}

	const want = "max-age=31536000; includeSubDomains"
	hsts := func(what string, res testserver.Response) {
		t.Helper()
		if got := res.Header.Values("Strict-Transport-Security"); len(got) != 1 || got[0] != want {
			t.Errorf("%s: Strict-Transport-Security %q, want %q", what, got, want)
		}
		checkCSP(t, what, res.Header)
	}

	res := httpsDo(t, client, "GET", base+"/healthz", "", nil)
	if res.Status != 200 {
		t.Fatalf("healthz over TLS: %d %s", res.Status, res.Body)
	}
	hsts("healthz", res)

	// Log in over TLS, then an API answer and an API error.
	res = httpsDo(t, client, "POST", base+"/api/v1/auth/login", "", map[string]string{"username": "anna", "password": demo.Password})
	if res.Status != 200 {
		t.Fatalf("login over TLS: %d %s", res.Status, res.Body)
	}
	hsts("login", res)
	var ch struct {
		MFAToken string `json:"mfa_token"`
	}
	res.JSON(t, &ch)
	res = httpsDo(t, client, "POST", base+"/api/v1/auth/verify", "", map[string]string{"mfa_token": ch.MFAToken, "method": "totp", "code": s.Code()})
	if res.Status != 200 {
		t.Fatalf("verify over TLS: %d %s", res.Status, res.Body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	res.JSON(t, &tok)
	res = httpsDo(t, client, "GET", base+"/api/v1/sync/pull", tok.AccessToken, nil)
	if res.Status != 200 {
		t.Fatalf("pull over TLS: %d %s", res.Status, res.Body)
	}
	hsts("an API answer", res)
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("an API answer over TLS: Cache-Control %q", got)
	}
	res = httpsDo(t, client, "GET", base+"/api/v1/sync/pull", "", nil)
	if res.Status != 401 {
		t.Fatalf("pull without a token over TLS: %d %s", res.Status, res.Body)
	}
	hsts("an API error", res)
	// The live stream writes its own head, HSTS included.
	req, _ := http.NewRequest("GET", base+"/api/v1/sync/events", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	live, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	live.Body.Close()
	if live.StatusCode != 200 {
		t.Fatalf("the live stream over TLS: %d", live.StatusCode)
	}
	hsts("the live stream", testserver.Response{Status: live.StatusCode, Header: live.Header})

	// Plain HTTP to the TLS port: the client gets no HTTP answer …
	plain := &http.Client{Timeout: 5 * time.Second}
	if res, err := plain.Get(s.URL + "/healthz"); err == nil {
		res.Body.Close()
		t.Fatalf("plain HTTP to the TLS port answered %d", res.StatusCode)
	}
	// … and nothing the server sends back is HTTP in clear text.
	conn, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: "+host+"\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(bufio.NewReader(conn)) // EOF, a reset or a TLS alert
	if bytes.Contains(got, []byte("HTTP/")) {
		t.Fatalf("plain HTTP got a clear-text answer: %q", got)
	}
}
