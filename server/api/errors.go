// Package api is the HTTP API on Fiber: thin handlers that parse, authorize, call one
// function and answer, with every failure in the error shape of API.md.
package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v2"
)

// Error is an API error: a stable code, an HTTP status and a sentence a person can read.
type Error struct {
	Status     int
	Code       string
	Message    string
	RetryAfter int            // seconds, for throttling
	Extra      map[string]any // further fields beside code and message
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// The catalogue. Codes are stable; messages may be translated.
var (
	errInvalidJSON         = &Error{Status: 400, Code: "invalid_json", Message: "The request body is not valid JSON."}
	errNotFound            = &Error{Status: 404, Code: "not_found", Message: "There is nothing at this address."}
	errMethod              = &Error{Status: 405, Code: "method_not_allowed", Message: "This address does not take that method."}
	errBodyTooLarge        = &Error{Status: 413, Code: "body_too_large", Message: "The request body is too large."}
	errUnsupportedEncoding = &Error{Status: 415, Code: "unsupported_encoding", Message: "Send the body uncompressed or with one layer of gzip."}
	errUnauthenticated     = &Error{Status: 401, Code: "unauthenticated", Message: "Log in to continue."}
	errTokenExpired        = &Error{Status: 401, Code: "token_expired", Message: "The access token has expired; refresh it."}
	errSessionExpired      = &Error{Status: 401, Code: "session_expired", Message: "The session has ended; log in again."}
	errRefreshReused       = &Error{Status: 401, Code: "refresh_token_reused", Message: "This refresh token was already used; every session of the login has been ended. Log in again."}
	errInvalidCreds        = &Error{Status: 401, Code: "invalid_credentials", Message: "Wrong username or password."}
	errInvalidCode         = &Error{Status: 401, Code: "invalid_code", Message: "The code is wrong or has expired."}
	errCodeUsed            = &Error{Status: 401, Code: "code_already_used", Message: "This code has already been used; wait for the next one."}
	errTooManyAttempts     = &Error{Status: 429, Code: "too_many_attempts", Message: "Too many attempts; log in again.", RetryAfter: 30}
	errMethodNotOffered    = &Error{Status: 400, Code: "method_not_available", Message: "That way of sending a code is not available for this user."}
	errForbidden           = &Error{Status: 403, Code: "forbidden", Message: "You do not have the right to do this."}
	errDeviceMismatch      = &Error{Status: 403, Code: "device_mismatch", Message: "This device id does not belong to your login."}
	errInvalidCursor       = &Error{Status: 400, Code: "invalid_cursor", Message: "The cursor cannot be read; pull from the beginning."}
	errCursorExpired       = &Error{Status: 409, Code: "cursor_expired", Message: "History before this cursor has been compacted: push, then pull from the beginning."}
	errUnavailable         = &Error{Status: 503, Code: "unavailable", Message: "The server is stopping or cannot write right now; try again.", RetryAfter: 5}
	errInternal            = &Error{Status: 500, Code: "internal_error", Message: "Something went wrong on the server."}
)

func invalidRequest(msg string) *Error {
	return &Error{Status: 400, Code: "invalid_request", Message: msg}
}

type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	RetryAfter int `json:"retry_after_s,omitempty"`
}

// ErrorHandler is Fiber's error handler: every failure leaves in the error shape.
func ErrorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		var apiErr *Error
		var fe *fiber.Error
		switch {
		case errors.As(err, &apiErr):
		case errors.As(err, &fe):
			apiErr = fromFiber(fe)
		default:
			log.Error("api: unhandled error", "route", routeOf(c), "err", err)
			apiErr = errInternal
		}
		return writeError(c, apiErr)
	}
}

func writeError(c *fiber.Ctx, e *Error) error {
	var body errorBody
	body.Error.Code, body.Error.Message, body.RetryAfter = e.Code, e.Message, e.RetryAfter
	if e.RetryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, itoa(e.RetryAfter))
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if len(e.Extra) == 0 {
		return c.Status(e.Status).JSON(body)
	}
	m := map[string]any{"error": body.Error}
	if e.RetryAfter > 0 {
		m["retry_after_s"] = e.RetryAfter
	}
	for k, v := range e.Extra {
		m[k] = v
	}
	return c.Status(e.Status).JSON(m)
}

func fromFiber(fe *fiber.Error) *Error {
	switch fe.Code {
	case http.StatusNotFound:
		return errNotFound
	case http.StatusMethodNotAllowed:
		return errMethod
	case http.StatusRequestEntityTooLarge:
		return errBodyTooLarge
	case http.StatusRequestTimeout:
		return &Error{Status: 408, Code: "request_timeout", Message: "The request took too long to arrive."}
	case http.StatusRequestHeaderFieldsTooLarge:
		return &Error{Status: 431, Code: "headers_too_large", Message: "The address or headers are too long; send a long cursor in the body of POST /api/v1/sync/pull."}
	case http.StatusBadRequest:
		return invalidRequest("The request cannot be read.")
	}
	if fe.Code >= 400 && fe.Code < 500 {
		return &Error{Status: fe.Code, Code: "invalid_request", Message: "The request cannot be handled."}
	}
	return errInternal
}
