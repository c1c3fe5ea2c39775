// Package api is the HTTP API on Fiber: thin handlers that parse, authorize, call one
// function and answer, with every failure in the error shape of API.md.
package api

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

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
	errRefreshReused       = &Error{Status: 401, Code: "refresh_token_reused", Message: "This refresh token was already used, so the session has been ended. Log in again."}
	errInvalidCreds        = &Error{Status: 401, Code: "invalid_credentials", Message: "Wrong username or password."}
	errInvalidCode         = &Error{Status: 401, Code: "invalid_code", Message: "The code is wrong or has expired."}
	errCodeUsed            = &Error{Status: 401, Code: "code_already_used", Message: "This code has already been used; wait for the next one."}
	errTooManyAttempts     = &Error{Status: 429, Code: "too_many_attempts", Message: "Too many codes tried for this login; wait 30 seconds, then log in again.", RetryAfter: 30}
	errMethodNotOffered    = &Error{Status: 400, Code: "method_not_available", Message: "That way of sending a code is not available for this user."}
	errForbidden           = &Error{Status: 403, Code: "forbidden", Message: "You do not have the right to do this."}
	errDeviceMismatch      = &Error{Status: 403, Code: "device_mismatch", Message: "This device id does not belong to your login."}
	errInvalidCursor       = &Error{Status: 400, Code: "invalid_cursor", Message: "The cursor cannot be read; pull from the beginning."}
	errCursorExpired       = &Error{Status: 409, Code: "cursor_expired", Message: "History before this cursor has been compacted: push, then pull from the beginning."}
	errUnavailable         = &Error{Status: 503, Code: "unavailable", Message: "The server is stopping or cannot write right now; try again.", RetryAfter: 5}
	errInternal            = &Error{Status: 500, Code: "internal_error", Message: "Something went wrong on the server."}
	errDamagedRecord       = &Error{Status: 500, Code: "damaged_record", Message: "A record this page would hold is damaged on the server, so the page is not sent. The server's operator must restore the data from a backup."}

	errAccountLocked    = &Error{Status: 423, Code: "account_locked", Message: "The account is locked after too many failed logins; ask your unit representative or manager to unlock it."}
	errDeviceRevoked    = &Error{Status: 401, Code: "device_revoked", Message: "This device has been revoked; its data must be deleted. Log in again."}
	errSMSUnavailable   = &Error{Status: 502, Code: "sms_unavailable", Message: "The SMS could not be sent; try again or use your authenticator.", RetryAfter: 30}
	errSMSLimit         = &Error{Status: 429, Code: "too_many_sms", Message: "Enough codes have been sent for this login; wait a minute, then log in again to get a new one.", RetryAfter: 60}
	errTermsRequired    = &Error{Status: 403, Code: "terms_not_accepted", Message: "Accept the terms of use before you continue."}
	errMustChangePass   = &Error{Status: 403, Code: "password_change_required", Message: "Your password was reset; choose a new one before you continue."}
	errTrainingRequired = &Error{Status: 403, Code: "training_required", Message: "This function opens when your training is recorded; ask your unit representative."}
	errWrongPassword    = &Error{Status: 403, Code: "wrong_password", Message: "The current password is wrong."}
	errNoEnrolment      = &Error{Status: 409, Code: "no_enrolment", Message: "No authenticator is waiting for confirmation; start again."}
	errRateLimited      = &Error{Status: 429, Code: "too_many_requests", Message: "Too many login requests from this address; wait a minute.", RetryAfter: 60}
	errUserNotFound     = &Error{Status: 404, Code: "user_not_found", Message: "There is no such user."}
	errSessionNotFound  = &Error{Status: 404, Code: "session_not_found", Message: "There is no such session."}
	errTokenNotFound    = &Error{Status: 404, Code: "token_not_found", Message: "There is no imported token with that serial number."}
	errTokenBound       = &Error{Status: 409, Code: "token_bound", Message: "That token is handed out to someone else."}
	errTokenOfOther     = &Error{Status: 409, Code: "token_of_another_provider", Message: "The file holds a token another provider imported; nothing was imported."}
	errNotYourself      = &Error{Status: 403, Code: "not_yourself", Message: "Someone else must do this for you."}

	errDeviceStreams = &Error{Status: 429, Code: "too_many_streams", Message: "This device already holds as many live streams as it may; close one first.", RetryAfter: 30}
	errUserStreams   = &Error{Status: 429, Code: "too_many_streams", Message: "Your devices already hold as many live streams as you may; close one first.", RetryAfter: 30}
	errStreamsFull   = &Error{Status: 503, Code: "server_busy", Message: "The server holds as many live streams as it can; try again later.", RetryAfter: 30}
)

// throttled answers a try made before the account's delay has passed.
func throttled(after time.Duration) *Error {
	s := max(1, int((after+time.Second-1)/time.Second))
	return &Error{Status: 429, Code: "too_many_attempts", Message: "Too many failed logins; wait before you try again.", RetryAfter: s}
}

// passwordRejected answers a new password the rules refuse, saying why.
func passwordRejected(why string) *Error {
	return &Error{Status: 400, Code: "password_rejected", Message: why}
}

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
