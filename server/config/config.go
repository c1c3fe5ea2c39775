// Package config reads the server's settings from flags and the environment (flags win),
// with defaults and validation, once at start.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"vardag/internal/webpush"
)

// Config is the server's settings.
type Config struct {
	Addr            string        // listen address
	DataDir         string        // where vardag.db lives
	Demo            bool          // seed a demo municipality into an empty data directory
	JWTSecret       []byte        // HS256 key (≥ 32 bytes); generated and kept in the store when empty
	Issuer          string        // JWT issuer
	Audience        string        // JWT audience
	AccessTTL       time.Duration // access token lifetime
	SessionMax      time.Duration // absolute session limit (one shift)
	BodyLimit       int           // bytes
	HeaderTimeout   time.Duration // for a request's header to arrive; ReadTimeout then runs for the body
	ReadTimeout     time.Duration
	WriteTimeout    time.Duration
	IdleTimeout     time.Duration
	ShutdownTimeout time.Duration
	Retention       time.Duration // tombstones are kept this long before compaction
	KeepAlive       time.Duration // comment lines on the live stream
	LogLevel        string
	LogJSON         bool
	LoginLimit      int // login requests per address per minute
	RefreshLimit    int // refresh requests per address per minute
	// PasswordChecks is how many argon2id password checks may run at once (0: two per core,
	// within a memory budget); PasswordWait how long a login waits for one to free up.
	PasswordChecks int
	PasswordWait   time.Duration

	// Live streams each device, each user and the whole server may hold. StreamsMax 0:
	// half the process's open-files limit, as found at start.
	StreamsPerDevice, StreamsPerUser, StreamsMax int

	// PhoneWipeAfter is how long a phone keeps its data without a successful sync.
	PhoneWipeAfter time.Duration
	// SignEarlyWarning is how long before a dose's due time the phone asks for a
	// confirmation before signing it (told in GET /api/v1/me; the server's own bounds,
	// 12 h before to 48 h after, stay).
	SignEarlyWarning time.Duration
	// TrustedProxies are the reverse proxies (IPs or CIDRs) whose X-Forwarded-For names the
	// caller's address; empty: the connection's address is the caller's.
	TrustedProxies []string

	// SMS codes: "console" (development: printed on standard output), "http" (a gateway)
	// or "none". Empty means console with -demo, else none.
	SMS            string
	SMSURL         string
	SMSUser        string
	SMSPassword    string
	SMSToken       string
	SMSFrom        string
	SMSTemplate    string
	SMSContentType string

	// Web push. PushSubject is the VAPID subject (an e-mail address or an https URL); empty
	// turns web push off (with -demo a demo address is used). VAPIDPrivateKey is the
	// base64url private scalar; empty: a key pair is made on first start and kept.
	PushSubject     string
	VAPIDPrivateKey string
	PushTTL         time.Duration // how long push services keep an undelivered notification
	PushWindow      time.Duration // events of one kind for one user within it go as one
	PushWorkers     int           // concurrent requests to push services
	PushQueue       int           // notifications waiting; more are dropped
	PushTimeout     time.Duration // one request to a push service
	// PushAllowLoopback also takes push endpoints at 127.0.0.1, where a test's fake push
	// service listens (webpush.Options.AllowLoopback). For tests only: not a flag, and no
	// environment variable sets it.
	PushAllowLoopback bool

	// TLS: when both are set the server speaks HTTPS and sends HSTS.
	TLSCert string
	TLSKey  string
	// Now is the server clock; tests may set it. Not a flag.
	Now func() time.Time
}

// option is one row of the option table: a flag, its environment variable and its default.
type option struct {
	name, env, def, help string
}

var options = []option{
	{"addr", "VARDAG_ADDR", "127.0.0.1:8080", "listen address (host:port)"},
	{"data", "VARDAG_DATA", "./data", "data directory (holds vardag.db)"},
	{"jwt-secret", "VARDAG_JWT_SECRET", "", "HS256 signing key, at least 32 bytes; generated and kept in the store when empty"},
	{"issuer", "VARDAG_ISSUER", "vardag", "JWT issuer"},
	{"audience", "VARDAG_AUDIENCE", "vardag-api", "JWT audience"},
	{"access-ttl", "VARDAG_ACCESS_TTL", "15m", "access token lifetime (at most 15m)"},
	{"session-max", "VARDAG_SESSION_MAX", "12h", "absolute session limit (one shift, at most 12h)"},
	{"body-limit", "VARDAG_BODY_LIMIT", "4194304", "largest request body in bytes"},
	{"header-timeout", "VARDAG_HEADER_TIMEOUT", "10s", "time for a request's header to arrive; a connection that sends none in time is closed"},
	{"read-timeout", "VARDAG_READ_TIMEOUT", "30s", "time to read a request's body once its header has arrived"},
	{"write-timeout", "VARDAG_WRITE_TIMEOUT", "30s", "time to write a response (the live stream renews it per write)"},
	{"idle-timeout", "VARDAG_IDLE_TIMEOUT", "120s", "keep-alive idle time"},
	{"shutdown-timeout", "VARDAG_SHUTDOWN_TIMEOUT", "20s", "time given to in-flight requests on shutdown"},
	{"retention", "VARDAG_RETENTION", "4320h", "how long tombstones are kept (default 180 days)"},
	{"keepalive", "VARDAG_KEEPALIVE", "25s", "interval of comment lines on the live stream"},
	{"streams-per-device", "VARDAG_STREAMS_PER_DEVICE", "4", "live streams one device may hold open"},
	{"streams-per-user", "VARDAG_STREAMS_PER_USER", "8", "live streams one user's devices may hold open together"},
	{"streams-max", "VARDAG_STREAMS_MAX", "0", "live streams the server holds open in all; 0: half the open-files limit"},
	{"log-level", "VARDAG_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"log-json", "VARDAG_LOG_JSON", "true", "log as JSON lines (false: text)"},
	{"login-limit", "VARDAG_LOGIN_LIMIT", "30", "login requests (login, sms, verify) one address may make per minute"},
	{"refresh-limit", "VARDAG_REFRESH_LIMIT", "60", "token refreshes one address may make per minute"},
	{"password-checks", "VARDAG_PASSWORD_CHECKS", "0", "password checks (argon2id, 19 MiB each) that may run at once; 0: two per core, at most a quarter of GOMEMLIMIT (256 MiB without it)"},
	{"password-wait", "VARDAG_PASSWORD_WAIT", "2s", "how long a login waits for a free password check before it is answered 503 busy"},
	{"phone-wipe-after", "VARDAG_PHONE_WIPE_AFTER", "72h", "a phone wipes its data when it has not synced for this long"},
	{"sign-early-warning", "VARDAG_SIGN_EARLY_WARNING", "60m", "the phone asks for a confirmation before signing a dose more than this before its due time (0 to 12h)"},
	{"trusted-proxies", "VARDAG_TRUSTED_PROXIES", "", "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For gives the caller's address"},
	{"sms", "VARDAG_SMS", "", "how SMS codes are sent: http, console (development only) or none; default console with -demo, else none"},
	{"sms-url", "VARDAG_SMS_URL", "", "SMS gateway URL (https)"},
	{"sms-user", "VARDAG_SMS_USER", "", "SMS gateway user (basic auth)"},
	{"sms-password", "VARDAG_SMS_PASSWORD", "", "SMS gateway password (basic auth)"},
	{"sms-token", "VARDAG_SMS_TOKEN", "", "SMS gateway bearer token"},
	{"sms-from", "VARDAG_SMS_FROM", "Vardag", "SMS sender name"},
	{"sms-template", "VARDAG_SMS_TEMPLATE", `{"to":"{{.To}}","from":"{{.From}}","message":"{{.Text}}"}`, "SMS gateway request body (Go template with .To, .Text, .From)"},
	{"sms-content-type", "VARDAG_SMS_CONTENT_TYPE", "application/json", "SMS gateway request content type (application/json or application/x-www-form-urlencoded)"},
	{"push-subject", "VARDAG_PUSH_SUBJECT", "", "web push VAPID subject: an e-mail address or an https URL to reach the operator; empty turns web push off (with -demo a demo address is used)"},
	{"vapid-private-key", "VARDAG_VAPID_PRIVATE_KEY", "", "web push VAPID private key (base64url, 32 bytes); generated and kept in the store when empty"},
	{"push-ttl", "VARDAG_PUSH_TTL", "4h", "how long push services keep an undelivered notification (at most 24h)"},
	{"push-window", "VARDAG_PUSH_WINDOW", "3s", "events of one kind for one user within this time go as one notification with a count"},
	{"push-workers", "VARDAG_PUSH_WORKERS", "4", "concurrent requests to push services"},
	{"push-queue", "VARDAG_PUSH_QUEUE", "1000", "notifications waiting to be sent; more are dropped and counted"},
	{"push-timeout", "VARDAG_PUSH_TIMEOUT", "10s", "time for one request to a push service"},
	{"tls-cert", "VARDAG_TLS_CERT", "", "TLS certificate file (PEM); with -tls-key the server speaks HTTPS"},
	{"tls-key", "VARDAG_TLS_KEY", "", "TLS private key file (PEM)"},
}

// Load reads args (without the program name) over the environment over the defaults.
func Load(args []string, getenv func(string) string, usage io.Writer) (Config, error) {
	fs := flag.NewFlagSet("vardag", flag.ContinueOnError)
	fs.SetOutput(usage)
	vals := map[string]*string{}
	for _, o := range options {
		def := o.def
		if v := getenv(o.env); v != "" {
			def = v
		}
		vals[o.name] = fs.String(o.name, def, o.help+" ($"+o.env+")")
	}
	// -demo without a value is the usual way to ask for the demo.
	demo := fs.Bool("demo", false, "seed a small demo municipality into an empty data directory ($VARDAG_DEMO)")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("config: unexpected argument %q", fs.Arg(0))
	}
	p := parser{vals: vals}
	c := Config{
		Addr:             *vals["addr"],
		DataDir:          *vals["data"],
		Demo:             *demo || p.boolEnv(getenv("VARDAG_DEMO")),
		JWTSecret:        []byte(*vals["jwt-secret"]),
		Issuer:           *vals["issuer"],
		Audience:         *vals["audience"],
		AccessTTL:        p.duration("access-ttl"),
		SessionMax:       p.duration("session-max"),
		BodyLimit:        p.int("body-limit"),
		HeaderTimeout:    p.duration("header-timeout"),
		ReadTimeout:      p.duration("read-timeout"),
		WriteTimeout:     p.duration("write-timeout"),
		IdleTimeout:      p.duration("idle-timeout"),
		ShutdownTimeout:  p.duration("shutdown-timeout"),
		Retention:        p.duration("retention"),
		KeepAlive:        p.duration("keepalive"),
		LogLevel:         *vals["log-level"],
		LogJSON:          p.bool("log-json"),
		LoginLimit:       p.int("login-limit"),
		RefreshLimit:     p.int("refresh-limit"),
		PasswordChecks:   p.int("password-checks"),
		PasswordWait:     p.duration("password-wait"),
		TrustedProxies:   splitList(*vals["trusted-proxies"]),
		PhoneWipeAfter:   p.duration("phone-wipe-after"),
		SMS:              *vals["sms"],
		SMSURL:           *vals["sms-url"],
		SMSUser:          *vals["sms-user"],
		SMSPassword:      *vals["sms-password"],
		SMSToken:         *vals["sms-token"],
		SMSFrom:          *vals["sms-from"],
		SMSTemplate:      *vals["sms-template"],
		SMSContentType:   *vals["sms-content-type"],
		PushSubject:      *vals["push-subject"],
		VAPIDPrivateKey:  *vals["vapid-private-key"],
		PushTTL:          p.duration("push-ttl"),
		PushWindow:       p.duration("push-window"),
		PushWorkers:      p.int("push-workers"),
		PushQueue:        p.int("push-queue"),
		PushTimeout:      p.duration("push-timeout"),
		TLSCert:          *vals["tls-cert"],
		TLSKey:           *vals["tls-key"],
		SignEarlyWarning: p.duration("sign-early-warning"),
		StreamsPerDevice: p.int("streams-per-device"),
		StreamsPerUser:   p.int("streams-per-user"),
		StreamsMax:       p.int("streams-max"),
	}
	if c.SMS == "" {
		c.SMS = "none"
		if c.Demo {
			c.SMS = "console"
		}
	}
	if c.PushSubject == "" && c.Demo {
		c.PushSubject = DemoPushSubject
	}
	if p.err != nil {
		return Config{}, p.err
	}
	return c, c.Validate()
}

// DemoPushSubject is the VAPID subject of a demo server.
const DemoPushSubject = "vardag-demo@example.org"

// Default is the configuration with every default, for tests and tools.
func Default() Config {
	c, err := Load(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		panic(err)
	}
	return c
}

// Validate checks the settings make sense together.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("config: -addr %q is not host:port", c.Addr))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("config: -data is required"))
	}
	if len(c.JWTSecret) > 0 && len(c.JWTSecret) < 32 {
		errs = append(errs, errors.New("config: -jwt-secret must be at least 32 bytes"))
	}
	if c.AccessTTL <= 0 || c.AccessTTL > 15*time.Minute {
		errs = append(errs, errors.New("config: -access-ttl must be between 0 and 15m"))
	}
	if c.SessionMax <= 0 || c.SessionMax > 12*time.Hour {
		errs = append(errs, errors.New("config: -session-max must be between 0 and 12h"))
	}
	if c.BodyLimit < 1024 {
		errs = append(errs, errors.New("config: -body-limit must be at least 1024 bytes"))
	}
	for name, d := range map[string]time.Duration{"header-timeout": c.HeaderTimeout, "read-timeout": c.ReadTimeout, "write-timeout": c.WriteTimeout, "idle-timeout": c.IdleTimeout, "shutdown-timeout": c.ShutdownTimeout, "retention": c.Retention, "keepalive": c.KeepAlive} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("config: -%s must be positive", name))
		}
	}
	for _, p := range c.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				errs = append(errs, fmt.Errorf("config: -trusted-proxies: %q is not an IP or CIDR", p))
			}
		}
	}
	if c.PhoneWipeAfter < time.Hour || c.PhoneWipeAfter > 30*24*time.Hour {
		errs = append(errs, errors.New("config: -phone-wipe-after must be between 1h and 720h"))
	}
	if c.StreamsPerDevice < 1 || c.StreamsPerUser < c.StreamsPerDevice {
		errs = append(errs, errors.New("config: -streams-per-device must be at least 1, and -streams-per-user at least as many"))
	}
	if c.StreamsMax < 0 {
		errs = append(errs, errors.New("config: -streams-max must be 0 (half the open-files limit) or more"))
	}
	if c.SignEarlyWarning < 0 || c.SignEarlyWarning > 12*time.Hour {
		errs = append(errs, errors.New("config: -sign-early-warning must be between 0 and 12h"))
	}
	if c.LoginLimit < 1 {
		errs = append(errs, errors.New("config: -login-limit must be at least 1"))
	}
	if c.RefreshLimit < 1 {
		errs = append(errs, errors.New("config: -refresh-limit must be at least 1"))
	}
	if c.PasswordChecks < 0 || c.PasswordChecks > 1024 {
		errs = append(errs, errors.New("config: -password-checks must be 0 (automatic) to 1024"))
	}
	if c.PasswordWait < 0 || c.PasswordWait > 30*time.Second {
		errs = append(errs, errors.New("config: -password-wait must be between 0 and 30s"))
	}
	switch c.SMS {
	case "none", "console":
	case "http":
		if c.SMSURL == "" {
			errs = append(errs, errors.New("config: -sms http needs -sms-url"))
		}
	default:
		errs = append(errs, fmt.Errorf("config: -sms %q is not http, console or none", c.SMS))
	}
	if c.PushSubject != "" {
		if _, err := webpush.NormalizeSubject(c.PushSubject); err != nil {
			errs = append(errs, errors.New("config: -push-subject must be an e-mail address or an https URL"))
		}
	}
	if c.VAPIDPrivateKey != "" {
		if _, err := webpush.ParseKeys(c.VAPIDPrivateKey); err != nil {
			errs = append(errs, errors.New("config: -vapid-private-key must be a P-256 private key: 32 bytes in base64url"))
		}
	}
	if c.PushTTL <= 0 || c.PushTTL > 24*time.Hour {
		errs = append(errs, errors.New("config: -push-ttl must be between 0 and 24h"))
	}
	if c.PushWindow < 0 || c.PushWindow > time.Minute {
		errs = append(errs, errors.New("config: -push-window must be between 0 and 1m"))
	}
	if c.PushWorkers < 1 || c.PushWorkers > 64 {
		errs = append(errs, errors.New("config: -push-workers must be 1 to 64"))
	}
	if c.PushQueue < 1 || c.PushQueue > 100000 {
		errs = append(errs, errors.New("config: -push-queue must be 1 to 100000"))
	}
	if c.PushTimeout <= 0 || c.PushTimeout > time.Minute {
		errs = append(errs, errors.New("config: -push-timeout must be between 0 and 1m"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("config: -tls-cert and -tls-key go together"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("config: -log-level %q is not debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

type parser struct {
	vals map[string]*string
	err  error
}

func (p *parser) fail(name, v, want string) {
	if p.err == nil {
		p.err = fmt.Errorf("config: -%s %q is not %s", name, v, want)
	}
}

func (p *parser) duration(name string) time.Duration {
	d, err := time.ParseDuration(*p.vals[name])
	if err != nil {
		p.fail(name, *p.vals[name], "a duration such as 15m")
	}
	return d
}

func (p *parser) int(name string) int {
	n, err := strconv.Atoi(*p.vals[name])
	if err != nil {
		p.fail(name, *p.vals[name], "a whole number")
	}
	return n
}

func (p *parser) bool(name string) bool {
	b, err := strconv.ParseBool(*p.vals[name])
	if err != nil {
		p.fail(name, *p.vals[name], "true or false")
	}
	return b
}

func (p *parser) boolEnv(v string) bool {
	if v == "" {
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail("demo", v, "true or false")
	}
	return b
}

// splitList splits a comma-separated list, dropping empty items and spaces.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
