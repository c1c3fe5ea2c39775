package api

import (
	"encoding/base64"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"vardag/internal/adminlog"
	"vardag/internal/codes"
	"vardag/internal/login"
	"vardag/internal/uuids"
)

var errInvalidActivation = &Error{Status: 401, Code: codes.InvalidActivationCode,
	Message: "The username or activation code is wrong, or the code is no longer valid; ask for a new code."}

type activateRequest struct {
	Username       string `json:"username"`
	ActivationCode string `json:"activation_code"`
	NewPassword    string `json:"new_password"`
	DeviceID       string `json:"device_id"`
	DeviceName     string `json:"device_name"`
}

// AuthActivate takes an activation code and a new password, and answers with the second
// step: the factor already registered, or an authenticator to enrol (enrol: "totp").
func (h *Handlers) AuthActivate(c *fiber.Ctx) error {
	var req activateRequest
	if err := bindStrictJSON(c, &req); err != nil {
		return err
	}
	username := strings.TrimSpace(req.Username)
	if username == "" || req.ActivationCode == "" || req.NewPassword == "" {
		return invalidRequest("username, activation_code and new_password are required.")
	}
	if len(username) > 200 || len(req.ActivationCode) > 100 || len(req.DeviceName) > 200 || len(req.DeviceID) > 100 {
		return invalidRequest("A field is too long.")
	}
	if len(req.NewPassword) > 4096 {
		return passwordRejected("The password is too long.")
	}
	ch, err := h.Login.Activate(username, req.ActivationCode, req.NewPassword, req.DeviceID, req.DeviceName)
	if errors.Is(err, login.ErrInvalidActivation) {
		return errInvalidActivation
	} else if err != nil {
		return mapLoginError(err)
	}
	// The device is the one the phone names: a UUID, or none (the session's own id comes
	// with the second step).
	device := ""
	if uuids.Valid(req.DeviceID) {
		device = req.DeviceID
	}
	act := adminlog.Act{What: adminlog.WhatActivate, ByUserID: ch.UserID, ByDeviceID: device, UserID: ch.UserID}
	if err := adminlog.Record(c.UserContext(), h.Engine, act); err != nil {
		return rejectionError(err)
	}
	return c.JSON(ch)
}

type enrolActivationRequest struct {
	MFAToken string `json:"mfa_token"`
}

// AuthEnrolTOTP makes the authenticator secret of an account in activation: the otpauth
// URI, its QR code and the secret for typing in; the first code through /auth/verify
// confirms it and logs in.
func (h *Handlers) AuthEnrolTOTP(c *fiber.Ctx) error {
	var req enrolActivationRequest
	if err := bindStrictJSON(c, &req); err != nil {
		return err
	}
	if req.MFAToken == "" || len(req.MFAToken) > 200 {
		return invalidRequest("mfa_token is required.")
	}
	e, err := h.Login.BeginActivationEnrolment(req.MFAToken)
	if err != nil {
		return mapLoginError(err)
	}
	return c.JSON(fiber.Map{
		"secret": e.Secret, "otpauth_uri": e.URI,
		"qr_png": "data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QRPNG),
	})
}
