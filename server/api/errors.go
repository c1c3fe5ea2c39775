// Package api is the HTTP API on Fiber: thin handlers that parse, authorize, call one
// function and answer, with every failure in the error shape of API.md.
package api

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/codes"
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
	errInvalidJSON         = &Error{Status: 400, Code: codes.InvalidJSON, Message: "The request body is not valid JSON."}
	errNotFound            = &Error{Status: 404, Code: codes.NotFound, Message: "There is nothing at this address."}
	errMethod              = &Error{Status: 405, Code: codes.MethodNotAllowed, Message: "This address does not take that method."}
	errBodyTooLarge        = &Error{Status: 413, Code: codes.BodyTooLarge, Message: "The request body is too large."}
	errUnsupportedEncoding = &Error{Status: 415, Code: codes.UnsupportedEncoding, Message: "Send the body uncompressed or with one layer of gzip."}
	errUnsupportedMedia    = &Error{Status: 415, Code: codes.UnsupportedMediaType, Message: "Send the body as JSON, with Content-Type: application/json."}
	errUnauthenticated     = &Error{Status: 401, Code: codes.Unauthenticated, Message: "Log in to continue."}
	errTokenExpired        = &Error{Status: 401, Code: codes.TokenExpired, Message: "The access token has expired; refresh it."}
	errSessionExpired      = &Error{Status: 401, Code: codes.SessionExpired, Message: "The session has ended; log in again."}
	errRefreshReused       = &Error{Status: 401, Code: codes.RefreshTokenReused, Message: "This refresh token was already used, so the session has been ended. Log in again."}
	errInvalidCreds        = &Error{Status: 401, Code: codes.InvalidCredentials, Message: "Wrong username or password."}
	errInvalidCode         = &Error{Status: 401, Code: codes.InvalidCode, Message: "The code is wrong or has expired."}
	errCodeUsed            = &Error{Status: 401, Code: codes.CodeAlreadyUsed, Message: "This code has already been used; wait for the next one."}
	errTooManyAttempts     = &Error{Status: 429, Code: codes.TooManyAttempts, Message: "Too many codes tried for this login; wait 30 seconds, then log in again.", RetryAfter: 30}
	errMethodNotOffered    = &Error{Status: 400, Code: codes.MethodNotAvailable, Message: "That way of sending a code is not available for this user."}
	errForbidden           = &Error{Status: 403, Code: codes.Forbidden, Message: "You do not have the right to do this."}
	errDeviceMismatch      = &Error{Status: 403, Code: codes.DeviceMismatch, Message: "This device id does not belong to your login."}
	errInvalidCursor       = &Error{Status: 400, Code: codes.InvalidCursor, Message: "The cursor cannot be read; pull from the beginning."}
	errCursorExpired       = &Error{Status: 409, Code: codes.CursorExpired, Message: "History before this cursor has been compacted: push, then pull from the beginning."}
	errUnavailable         = &Error{Status: 503, Code: codes.Unavailable, Message: "The server is stopping or cannot write right now; try again.", RetryAfter: 5}
	errInternal            = &Error{Status: 500, Code: codes.InternalError, Message: "Something went wrong on the server."}
	errBusy                = &Error{Status: 503, Code: codes.Busy, Message: "The server is checking as many passwords as it can; try again in a few seconds.", RetryAfter: 2}

	errAccountLocked    = &Error{Status: 423, Code: codes.AccountLocked, Message: "The account is locked after too many failed logins; ask your unit representative or manager to unlock it."}
	errDeviceRevoked    = &Error{Status: 401, Code: codes.DeviceRevoked, Message: "This device has been revoked; its data must be deleted. Log in again."}
	errSMSUnavailable   = &Error{Status: 502, Code: codes.SMSUnavailable, Message: "The SMS could not be sent; try again or use your authenticator.", RetryAfter: 30}
	errSMSLimit         = &Error{Status: 429, Code: codes.TooManySMS, Message: "Enough codes have been sent for this login; wait a minute, then log in again to get a new one.", RetryAfter: 60}
	errTermsRequired    = &Error{Status: 403, Code: codes.TermsNotAccepted, Message: "Accept the terms of use before you continue."}
	errMustChangePass   = &Error{Status: 403, Code: codes.PasswordChangeRequired, Message: "Your password was reset; choose a new one before you continue."}
	errTrainingRequired = &Error{Status: 403, Code: codes.TrainingRequired, Message: "This function opens when your training is recorded; ask your unit representative."}
	errWrongPassword    = &Error{Status: 403, Code: codes.WrongPassword, Message: "The current password is wrong."}
	errNoEnrolment      = &Error{Status: 409, Code: codes.NoEnrolment, Message: "No authenticator is waiting for confirmation; start again."}
	errRateLimited      = &Error{Status: 429, Code: codes.TooManyRequests, Message: "Too many login requests from this address; wait a minute.", RetryAfter: 60}
	errUserNotFound     = &Error{Status: 404, Code: codes.UserNotFound, Message: "There is no such user."}
	errSessionNotFound  = &Error{Status: 404, Code: codes.SessionNotFound, Message: "There is no such session."}
	errTokenNotFound    = &Error{Status: 404, Code: codes.TokenNotFound, Message: "There is no imported token with that serial number."}
	errTokenBound       = &Error{Status: 409, Code: codes.TokenBound, Message: "That token is handed out to someone else."}
	errTokenOfOther     = &Error{Status: 409, Code: codes.TokenOfAnotherProvider, Message: "The file holds a token another provider imported; nothing was imported."}
	errNotYourself      = &Error{Status: 403, Code: codes.NotYourself, Message: "Someone else must do this for you."}
	errPushTaken        = &Error{Status: 409, Code: codes.PushEndpointTaken, Message: "This push subscription belongs to another device; nothing was changed."}
	errDamagedRecord    = &Error{Status: 500, Code: codes.DamagedRecord, Message: "A record this page would hold is damaged on the server, so the page is not sent. The server's operator must restore the data from a backup."}
	errDeviceStreams    = &Error{Status: 429, Code: codes.TooManyStreams, Message: "This device already holds as many live streams as it may; close one first.", RetryAfter: 30}
	errUserStreams      = &Error{Status: 429, Code: codes.TooManyStreams, Message: "Your devices already hold as many live streams as you may; close one first.", RetryAfter: 30}
	errStreamsFull      = &Error{Status: 503, Code: codes.ServerBusy, Message: "The server holds as many live streams as it can; try again later.", RetryAfter: 30}
)

// throttled answers a try made before the account's delay has passed.
func throttled(after time.Duration) *Error {
	s := max(1, int((after+time.Second-1)/time.Second))
	return &Error{Status: 429, Code: codes.TooManyAttempts, Message: "Too many failed logins; wait before you try again.", RetryAfter: s}
}

// passwordRejected answers a new password the rules refuse, saying why.
func passwordRejected(why string) *Error {
	return &Error{Status: 400, Code: codes.PasswordRejected, Message: why}
}

func invalidRequest(msg string) *Error {
	return &Error{Status: 400, Code: codes.InvalidRequest, Message: msg}
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
	setSecurityHeaders(c)
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
		return &Error{Status: 408, Code: codes.RequestTimeout, Message: "The request took too long to arrive."}
	case http.StatusRequestHeaderFieldsTooLarge:
		return &Error{Status: 431, Code: codes.HeadersTooLarge, Message: "The address or headers are too long; send a long cursor in the body of POST /api/v1/sync/pull."}
	case http.StatusBadRequest:
		return invalidRequest("The request cannot be read.")
	}
	if fe.Code >= 400 && fe.Code < 500 {
		return &Error{Status: fe.Code, Code: codes.InvalidRequest, Message: "The request cannot be handled."}
	}
	return errInternal
}
