package api

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/auth"
	"vardag/internal/login"
)

func asError[T error](err error, target *T) bool { return errors.As(err, target) }

// bindJSON decodes a JSON body into v: bad JSON → invalid_json, wrong types →
// invalid_request naming the field.
func bindJSON(c *fiber.Ctx, v any) error {
	body := c.Body()
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
	case errors.Is(err, auth.ErrRefreshReused):
		return errRefreshReused
	case errors.Is(err, login.ErrSessionExpired):
		return errSessionExpired
	case errors.Is(err, login.ErrTokenExpired):
		return errTokenExpired
	case errors.Is(err, login.ErrUnauthenticated):
		return errUnauthenticated
	}
	return err
}

func jsonString(v any) ([]byte, error) { return json.Marshal(v) }
