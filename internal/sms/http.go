package sms

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
	"text/template"
	"time"
)

// Defaults of HTTPConfig.
const (
	DefaultContentType = "application/json"
	DefaultTimeout     = 10 * time.Second
)

// maxResponse is how much of a gateway's answer Send reads (and discards) before closing.
const maxResponse = 64 << 10

// ErrGateway is wrapped by the error Send returns when the gateway answers with a status
// other than 2xx. The message names the status code only.
var ErrGateway = errors.New("sms: gateway refused the message")

// HTTPConfig describes an SMS gateway (SMS-leverantör) that takes one message per HTTP
// POST. For 46elks, for example:
//
//	HTTPConfig{
//		URL:          "https://api.46elks.com/a1/sms",
//		Username:     apiUsername,
//		Password:     apiPassword,
//		ContentType:  "application/x-www-form-urlencoded",
//		BodyTemplate: "from={{.From}}&to={{.To}}&message={{.Text}}",
//		From:         "Vardag",
//	}
type HTTPConfig struct {
	// URL is the endpoint. It must be https; plain http is allowed only to a loopback
	// host (127.0.0.1, ::1, localhost), for tests and a local relay. Credentials go in
	// the fields below, not in the URL.
	URL string

	// Username and Password, if either is set, are sent with HTTP basic auth.
	Username, Password string

	// BearerToken, if set, is sent as "Authorization: Bearer <token>". It cannot be
	// combined with basic auth.
	BearerToken string

	// ContentType of the request body, DefaultContentType if empty. It decides how the
	// values are escaped in BodyTemplate: a JSON type (application/json or …+json) or
	// application/x-www-form-urlencoded; other types are refused.
	ContentType string

	// BodyTemplate is a text/template of the request body, with the fields .To (the
	// number in E.164 form), .Text and .From. The values arrive already escaped for
	// ContentType: as the contents of a JSON string, without the quotes
	// ({"to":"{{.To}}","message":"{{.Text}}"}), or query-escaped for a form
	// (to={{.To}}&message={{.Text}}). It must insert .To and .Text.
	BodyTemplate string

	// From is the sender shown on the phone (avsändare), a number or a short name.
	From string

	// Timeout bounds each request, DefaultTimeout if zero.
	Timeout time.Duration
}

// HTTPSender sends messages through an SMS gateway over HTTP. It never logs, and its
// errors never hold the phone number, the text or the gateway's answer. It is safe for
// concurrent use.
type HTTPSender struct {
	url         string
	contentType string
	username    string
	password    string
	bearer      string
	from        string
	timeout     time.Duration
	json        bool // the body is JSON; otherwise a form
	tmpl        *template.Template
	client      *http.Client
}

var _ Sender = (*HTTPSender)(nil)

// templateData holds the values given to the body template, already escaped.
type templateData struct{ To, Text, From string }

// NewHTTPSender checks cfg and returns a sender that posts with client. If client is nil
// it uses an http.Client with cfg.Timeout that does not follow redirects (a redirect is
// then an error); a client passed in is used as it is.
func NewHTTPSender(cfg HTTPConfig, client *http.Client) (*HTTPSender, error) {
	if err := checkURL(cfg.URL); err != nil {
		return nil, err
	}
	if cfg.BearerToken != "" && (cfg.Username != "" || cfg.Password != "") {
		return nil, errors.New("sms: set either basic auth or a bearer token, not both")
	}
	if strings.ContainsAny(cfg.BearerToken, " \t\r\n") {
		return nil, errors.New("sms: the bearer token must not contain white space")
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("sms: negative timeout")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.ContentType == "" {
		cfg.ContentType = DefaultContentType
	}
	mediaType, _, err := mime.ParseMediaType(cfg.ContentType)
	if err != nil {
		return nil, fmt.Errorf("sms: content type: %w", err)
	}
	isJSON := mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
	if !isJSON && mediaType != "application/x-www-form-urlencoded" {
		return nil, fmt.Errorf("sms: content type %q is not supported: use JSON or application/x-www-form-urlencoded", mediaType)
	}
	tmpl, err := template.New("body").Parse(cfg.BodyTemplate)
	if err != nil {
		return nil, fmt.Errorf("sms: body template: %w", err)
	}
	if client == nil {
		client = &http.Client{
			Timeout: cfg.Timeout,
			// Do not carry a login code on to wherever a redirect points.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	s := &HTTPSender{
		url:         cfg.URL,
		contentType: cfg.ContentType,
		username:    cfg.Username,
		password:    cfg.Password,
		bearer:      cfg.BearerToken,
		from:        cfg.From,
		timeout:     cfg.Timeout,
		json:        isJSON,
		tmpl:        tmpl,
		client:      client,
	}
	if err := s.checkTemplate(); err != nil {
		return nil, err
	}
	return s, nil
}

// checkURL accepts an https URL, or an http one to a loopback host.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		// Not wrapped: url.Error repeats the URL, which might hold a key.
		return errors.New("sms: the gateway URL does not parse")
	}
	if u.Host == "" {
		return errors.New("sms: the gateway URL must be absolute, with a host")
	}
	if u.User != nil {
		return errors.New("sms: put the gateway credentials in Username/Password or BearerToken, not in the URL")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return errors.New("sms: the gateway URL must use https (http only to a loopback host)")
	}
	return errors.New("sms: the gateway URL must use https")
}

// isLoopback tells whether host names this machine: localhost or a loopback address.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkTemplate renders the template once with marker values, to find at start-up
// rather than at the first login that it fails, yields a body of the wrong kind, or
// leaves out .To or .Text.
func (s *HTTPSender) checkTemplate() error {
	const to, text = "vardagProbeTo", "vardagProbeText" // the same after either escaping
	body, err := s.render(to, text)
	if err != nil {
		return err
	}
	if !bytes.Contains(body, []byte(to)) {
		return errors.New("sms: the body template does not insert .To")
	}
	if !bytes.Contains(body, []byte(text)) {
		return errors.New("sms: the body template does not insert .Text")
	}
	return nil
}

// render executes the body template with the values escaped for the content type, and
// checks the result is of that type. Its errors do not hold the values.
func (s *HTTPSender) render(to, text string) ([]byte, error) {
	esc := url.QueryEscape
	if s.json {
		esc = jsonEscape
	}
	var buf bytes.Buffer
	if err := s.tmpl.Execute(&buf, templateData{To: esc(to), Text: esc(text), From: esc(s.from)}); err != nil {
		// A field of the template that does not exist; no value is in the message.
		return nil, fmt.Errorf("sms: body template: %w", err)
	}
	if s.json {
		if !json.Valid(buf.Bytes()) {
			return nil, errors.New("sms: the body template does not make valid JSON")
		}
	} else if _, err := url.ParseQuery(buf.String()); err != nil {
		return nil, errors.New("sms: the body template does not make a valid form")
	}
	return buf.Bytes(), nil
}

// jsonEscape returns s as the contents of a JSON string, without the quotes.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b[1 : len(b)-1])
}

// Send posts one message to the gateway. to is first checked and normalised with
// NormalizePhone; an invalid number or an empty text is refused without a request. A 2xx
// answer is success; any other answer is an error wrapping ErrGateway that names the
// status code only.
func (s *HTTPSender) Send(ctx context.Context, to, text string) error {
	to, err := NormalizePhone(to)
	if err != nil {
		return err
	}
	if text == "" {
		return errors.New("sms: empty message")
	}
	body, err := s.render(to, text)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return errors.New("sms: building the gateway request failed")
	}
	req.Header.Set("Content-Type", s.contentType)
	switch {
	case s.bearer != "":
		req.Header.Set("Authorization", "Bearer "+s.bearer)
	case s.username != "" || s.password != "":
		req.SetBasicAuth(s.username, s.password)
	}

	resp, err := s.client.Do(req)
	if err != nil {
		// A *url.Error repeats the URL, which may hold a key; keep only its cause.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return fmt.Errorf("sms: gateway request: %w", err)
	}
	// Read a bounded part of the answer, so the connection can be reused, and close it.
	// The answer itself is never looked at: it may repeat the number or the text.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponse))
	resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%w: HTTP status %d", ErrGateway, resp.StatusCode)
	}
	return nil
}
