package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/auth"
	"vardag/internal/identity"
	"vardag/internal/login"
)

func asError[T error](err error, target *T) bool { return errors.As(err, target) }

// bindJSON decodes a JSON body into v: bad JSON → invalid_json, wrong types →
// invalid_request naming the field.
func bindJSON(c *fiber.Ctx, v any) error {
	body, err := rawBody(c)
	if err != nil {
		return err
	}
	if len(body) == 0 {
		return invalidRequest("The request needs a JSON body.")
	}
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

// rawBody returns the request body. Fiber's c.Body() would unpack any Content-Encoding
// without a limit, after the body limit has looked only at the bytes that arrived (a
// small gzip bomb would fill the memory); here one gzip layer is unpacked through a
// reader capped at the same body limit, and anything else is refused.
func rawBody(c *fiber.Ctx) ([]byte, error) {
	raw := c.Request().Body()
	limit := c.App().Config().BodyLimit
	switch enc := strings.ToLower(strings.TrimSpace(c.Get(fiber.HeaderContentEncoding))); enc {
	case "", "identity":
		return raw, nil
	case "gzip":
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
	default:
		return nil, errUnsupportedEncoding
	}
}

func jsonString(v any) ([]byte, error) { return json.Marshal(v) }
