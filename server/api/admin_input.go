package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/uuids"
)

// bindStrictJSON is bindJSON for the organisation and grant routes, which also refuse a
// field they do not know (a misspelt "valid_untill" must not leave a grant open-ended)
// and anything after the object.
func bindStrictJSON(c *fiber.Ctx, v any) error {
	body, err := jsonBody(c)
	if err != nil {
		return err
	}
	if len(body) == 0 {
		return invalidRequest("The request needs a JSON body.")
	}
	return decodeStrict(body, v)
}

// bindOptionalStrictJSON is bindStrictJSON for a route whose body may be left out.
func bindOptionalStrictJSON(c *fiber.Ctx, v any) error {
	body, err := rawBody(c)
	if err != nil || len(body) == 0 {
		return err
	}
	if !isJSON(c.Get(fiber.HeaderContentType)) {
		return errUnsupportedMedia
	}
	return decodeStrict(body, v)
}

func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return invalidRequest(fmt.Sprintf("The field %s is not known here.", field))
		}
		return decodeJSON(body, v) // the same answers as bindJSON for types and syntax
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errInvalidJSON
	}
	return nil
}

// plainText checks a short text a person typed (a name, a reason, a note): valid UTF-8,
// no control characters but line feeds and tabs where lines are allowed, at most max
// characters; required ones must not be blank. It returns the text trimmed.
func plainText(field, s string, max int, required, lines bool) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case required && s == "":
		return "", invalidRequest(field + " is required.")
	case !utf8.ValidString(s):
		return "", invalidRequest(field + " is not valid UTF-8.")
	case utf8.RuneCountInString(s) > max:
		return "", invalidRequest(fmt.Sprintf("%s is longer than %d characters.", field, max))
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(lines && (r == '\n' || r == '\t')) {
			return "", invalidRequest(field + " holds a control character.")
		}
	}
	return s, nil
}

// The answers of the organisation and grant rules.
var (
	errProviderNotFound = &Error{Status: 404, Code: codes.ProviderNotFound, Message: "There is no such provider."}
	errProviderEnded    = &Error{Status: 409, Code: codes.ProviderEnded, Message: "The provider has ended (or its end is set); nothing can be added to it."}
	errOrgNumberTaken   = &Error{Status: 409, Code: codes.OrgNumberTaken, Message: "Another private provider has this organisation number."}
	errInvalidOrgNumber = &Error{Status: 400, Code: codes.InvalidOrgNumber, Message: "org_number must be an organisationsnummer, NNNNNN-NNNN, with a right check digit."}
	errInvalidParent    = &Error{Status: 400, Code: codes.InvalidParentUnit, Message: "parent_unit_id must be a unit (not a sub-unit) of the same provider."}
	errInvalidUntil     = &Error{Status: 400, Code: codes.InvalidValidUntil, Message: "valid_until must be in the future, at most one year ahead, and for an extension later than the grant's present end."}
	errUnitNotFound     = &Error{Status: 404, Code: codes.UnitNotFound, Message: "There is no such unit."}
	errGrantNotFound    = &Error{Status: 404, Code: codes.GrantNotFound, Message: "There is no such grant."}
	errGrantExists      = &Error{Status: 409, Code: codes.GrantExists, Message: "The user already holds or awaits this role in this unit; extend that grant instead."}
	errGrantNotPending  = &Error{Status: 409, Code: codes.GrantNotPending, Message: "The grant is not waiting for approval."}
	errGrantNotActive   = &Error{Status: 409, Code: codes.GrantNotActive, Message: "Only an active grant is extended or ended."}
	errAlreadyApproved  = &Error{Status: 409, Code: codes.AlreadyApproved, Message: "Your units have approved this grant already."}
)

// mapGrantError turns the identity store's refusals into answers.
func mapGrantError(err error) error {
	switch {
	case errors.Is(err, identity.ErrForbidden):
		return errForbidden
	case errors.Is(err, identity.ErrNotYourself):
		return errNotYourself
	case errors.Is(err, identity.ErrValidUntil):
		return errInvalidUntil
	case errors.Is(err, identity.ErrGrantExists):
		return errGrantExists
	case errors.Is(err, identity.ErrNotPending):
		return errGrantNotPending
	case errors.Is(err, identity.ErrNotActive):
		return errGrantNotActive
	case errors.Is(err, identity.ErrAlreadyDecided):
		return errAlreadyApproved
	case errors.Is(err, identity.ErrNoSuchUnit):
		return errUnitNotFound
	case errors.Is(err, identity.ErrNoSuchGrant):
		return errGrantNotFound
	case errors.Is(err, identity.ErrNotFound):
		return errUserNotFound
	case errors.Is(err, identity.ErrProviderEnded):
		return errProviderEnded
	case errors.Is(err, identity.ErrInvalidOrgNumber):
		return errInvalidOrgNumber
	case errors.Is(err, identity.ErrOrgNumberTaken):
		return errOrgNumberTaken
	case errors.Is(err, identity.ErrBadParent):
		return errInvalidParent
	}
	return err
}

// administersSomething tells whether the caller may administer anyone at all: an
// administrator, or a unit manager or representative somewhere.
func administersSomething(a identity.Access) bool {
	if a.Admin {
		return true
	}
	for unit := range a.Roles {
		if a.Has(unit, identity.RoleUnitManager, identity.RoleUnitRep) {
			return true
		}
	}
	return false
}

// pathID is the UUID in the path, or 400 naming what it should be.
func pathID(c *fiber.Ctx, what string) (string, error) {
	id := c.Params("id")
	if !uuids.Valid(id) {
		return "", invalidRequest("The " + what + " id must be a lower-case UUID.")
	}
	return id, nil
}
