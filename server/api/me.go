package api

import (
	"encoding/base64"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/accessreview"
	"vardag/internal/codes"
	"vardag/internal/identity"
	"vardag/internal/signing"
	"vardag/internal/terms"
)

// meAnswer is what the phone needs to know about its user before showing data.
type meAnswer struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	TermsVersion       string `json:"terms_version"` // the version in force
	TermsAccepted      bool   `json:"terms_accepted"`
	MustChangePassword bool   `json:"must_change_password"`
	Trained            bool   `json:"trained"`
	TOTP               bool   `json:"totp"`
	HardwareToken      bool   `json:"hardware_token"`
	SMS                bool   `json:"sms"`
	// OfflineWipeAfter is how long the phone may go without a successful sync before it
	// wipes its data.
	OfflineWipeAfter int `json:"offline_wipe_after_s"`
	// The signing window the server allows (signed_at at most SignEarliest before the due
	// time, at most SignLatest after it), and how long before the due time the phone asks
	// for a confirmation before signing (SignEarlyWarning).
	SignEarliest     int `json:"sign_earliest_s"`
	SignLatest       int `json:"sign_latest_s"`
	SignEarlyWarning int `json:"sign_early_warning_s"`
	// AccessReviewsOverdue are the units the caller manages (all units, for an
	// administrator) whose access review (behörighetskontroll) is overdue.
	AccessReviewsOverdue []accessreview.Due `json:"access_reviews_overdue"`
}

// Me answers who the caller is and what they must do before data opens.
func (h *Handlers) Me(c *fiber.Ctx) error {
	p := principal(c)
	u := p.User
	overdue, err := accessreview.Overdue(h.Identity, h.Now(), func(unit string) bool {
		return p.Access.Admin || p.Access.Has(unit, identity.RoleUnitManager)
	})
	if err != nil {
		return err
	}
	if overdue == nil {
		overdue = []accessreview.Due{}
	}
	return c.JSON(meAnswer{
		ID: u.ID, Name: u.Name, TermsVersion: terms.Version,
		TermsAccepted: u.TermsVersion == terms.Version, MustChangePassword: u.MustChangePassword,
		Trained: u.Trained(), TOTP: u.TOTPSecret != "", HardwareToken: u.TokenSerial != "", SMS: u.Phone != "",
		OfflineWipeAfter: int(h.PhoneWipeAfter.Seconds()),
		SignEarliest:     int(signing.SignEarly.Seconds()), SignLatest: int(signing.SignLate.Seconds()),
		SignEarlyWarning: int(h.SignEarlyWarning.Seconds()), AccessReviewsOverdue: overdue,
	})
}

// Terms answers the terms of use in force.
func (h *Handlers) Terms(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"version": terms.Version, "text": terms.Text})
}

type acceptTermsRequest struct {
	Version string `json:"version"`
}

// AcceptTerms records that the caller accepted the terms of use; the version they read
// must be the one in force.
func (h *Handlers) AcceptTerms(c *fiber.Ctx) error {
	var req acceptTermsRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Version != terms.Version {
		return &Error{Status: 409, Code: codes.TermsChanged, Message: "The terms have changed; read them again.",
			Extra: map[string]any{"version": terms.Version}}
	}
	if err := h.Login.AcceptTerms(principal(c).User.ID, req.Version); err != nil {
		return mapLoginError(err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type changePasswordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// ChangePassword changes the caller's own password; their other sessions end.
func (h *Handlers) ChangePassword(c *fiber.Ctx) error {
	var req changePasswordRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.CurrentPassword == "" || req.NewPassword == "" {
		return invalidRequest("current_password and new_password are required.")
	}
	if len(req.CurrentPassword) > 4096 || len(req.NewPassword) > 4096 {
		return passwordRejected("The password is too long.")
	}
	p := principal(c)
	if err := h.Login.ChangePassword(p.User.ID, p.Claims.SessionID, req.CurrentPassword, req.NewPassword); err != nil {
		return mapLoginError(err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

type enrolRequest struct {
	Password string `json:"password"`
}

// EnrolTOTP starts enrolling an authenticator app: an otpauth URI and its QR code.
func (h *Handlers) EnrolTOTP(c *fiber.Ctx) error {
	var req enrolRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Password == "" || len(req.Password) > 4096 {
		return invalidRequest("password is required.")
	}
	e, err := h.Login.BeginEnrolment(principal(c).User.ID, req.Password)
	if err != nil {
		return mapLoginError(err)
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{
		"secret": e.Secret, "otpauth_uri": e.URI,
		"qr_png": "data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QRPNG),
	})
}

type codeRequest struct {
	Code string `json:"code"`
}

// ConfirmTOTP makes the enrolled authenticator the caller's factor once its code is right.
func (h *Handlers) ConfirmTOTP(c *fiber.Ctx) error {
	var req codeRequest
	if err := bindJSON(c, &req); err != nil {
		return err
	}
	if req.Code == "" {
		return invalidRequest("code is required.")
	}
	if err := h.Login.ConfirmEnrolment(principal(c).User.ID, req.Code); err != nil {
		return mapLoginError(err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}
