package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/auth"
	"vardag/internal/identity"
	"vardag/internal/login"
)

func asError[T error](err error, target *T) bool { return errors.As(err, target) }

// bindJSON decodes a JSON body into v: a body not sent as JSON → unsupported_media_type,
// bad JSON → invalid_json, wrong types → invalid_request naming the field.
func bindJSON(c *fiber.Ctx, v any) error {
	body, err := jsonBody(c)
	if err != nil {
		return err
	}
	if len(body) == 0 {
		return invalidRequest("The request needs a JSON body.")
	}
	return decodeJSON(body, v)
}

// bindOptionalJSON is bindJSON for a route whose body may be left out: no body leaves v
// as it is.
func bindOptionalJSON(c *fiber.Ctx, v any) error {
	if len(c.Request().Body()) == 0 {
		return nil
	}
	return bindJSON(c, v)
}

func decodeJSON(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return invalidRequest(fmt.Sprintf("The field %q has the wrong type.", typeErr.Field))
		}
		var syntaxErr *json.SyntaxError
		if errors.As(err, &syntaxErr) { // a truncated body is a SyntaxError too
			return errInvalidJSON
		}
		return invalidRequest("The request cannot be read: a field has a wrong value.")
	}
	return nil
}

// jsonBody is the body of a request that sends JSON, read by rawBody. Its Content-Type
// must say JSON (application/json, with charset=utf-8 at most): a web page can make a
// browser post text/plain or a form to another site without asking it first (a CORS
// "simple request"), never application/json, so this keeps other sites' forms off the
// login routes.
func jsonBody(c *fiber.Ctx) ([]byte, error) {
	if !isJSON(c.Get(fiber.HeaderContentType)) {
		return nil, errUnsupportedMedia
	}
	return rawBody(c)
}

func isJSON(contentType string) bool {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != fiber.MIMEApplicationJSON {
		return false
	}
	for name, value := range params {
		if name != "charset" || !strings.EqualFold(value, "utf-8") {
			return false
		}
	}
	return true
}

func mapLoginError(err error) error {
	switch {
	case errors.Is(err, login.ErrInvalidCredentials):
		return errInvalidCreds
	case errors.Is(err, login.ErrInvalidCode):
		return errInvalidCode
	case errors.Is(err, login.ErrCodeUsed):
		return errCodeUsed
	case errors.Is(err, login.ErrMethod):
		return errMethodNotOffered
	case errors.Is(err, auth.ErrTooManyAttempts):
		return errTooManyAttempts
	case errors.Is(err, auth.ErrBusy):
		return errBusy
	case errors.Is(err, auth.ErrRefreshReused):
		return errRefreshReused
	case errors.Is(err, login.ErrSessionExpired):
		return errSessionExpired
	case errors.Is(err, login.ErrTokenExpired):
		return errTokenExpired
	case errors.Is(err, login.ErrUnauthenticated):
		return errUnauthenticated
	case errors.Is(err, login.ErrDeviceRevoked):
		return errDeviceRevoked
	case errors.Is(err, login.ErrAccountLocked):
		return errAccountLocked
	case errors.Is(err, login.ErrSMSLimit):
		return errSMSLimit
	case errors.Is(err, login.ErrSMSUnavailable):
		return errSMSUnavailable
	case errors.Is(err, login.ErrWrongPassword):
		return errWrongPassword
	case errors.Is(err, login.ErrNoEnrolment):
		return errNoEnrolment
	case errors.Is(err, identity.ErrNotFound):
		return errUserNotFound
	}
	var th *login.ThrottledError
	if errors.As(err, &th) {
		return throttled(th.RetryAfter)
	}
	var pe *login.PolicyError
	if errors.As(err, &pe) {
		return passwordRejected(pe.Error())
	}
	return err
}

// rawBody returns the request body; every handler reads its body here and nowhere else
// (a test holds the package to that). Fiber's c.Body() would unpack any Content-Encoding,
// layer after layer, without a limit, after the body limit has looked only at the bytes
// that arrived (a small gzip bomb would fill the memory); here one gzip layer is unpacked
// through a reader capped at the same body limit, and anything else is refused before a
// byte is unpacked.
func rawBody(c *fiber.Ctx) ([]byte, error) {
	raw := c.Request().Body()
	limit := c.App().Config().BodyLimit
	gzipped, err := gzipCoded(c)
	if err != nil {
		return nil, err
	}
	if !gzipped {
		return raw, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, errInvalidJSON
	}
	body, err := io.ReadAll(io.LimitReader(zr, int64(limit)+1))
	if err != nil {
		return nil, errInvalidJSON
	}
	if len(body) > limit {
		return nil, errBodyTooLarge
	}
	return body, nil
}

// gzipCoded tells whether the body is in one layer of gzip. No coding or identity is
// none; any other coding, a list of codings ("gzip, gzip", "gzip, identity") and more
// than one Content-Encoding header are unsupported_encoding: each further layer would
// multiply what a few bytes on the wire unpack to.
func gzipCoded(c *fiber.Ctx) (bool, error) {
	values := c.Request().Header.PeekAll(fiber.HeaderContentEncoding)
	if len(values) > 1 {
		return false, errUnsupportedEncoding
	}
	enc := ""
	if len(values) == 1 {
		enc = strings.ToLower(strings.TrimSpace(string(values[0])))
	}
	switch enc {
	case "", "identity":
		return false, nil
	case "gzip":
		return true, nil
	}
	return false, errUnsupportedEncoding
}

func jsonString(v any) ([]byte, error) { return json.Marshal(v) }
