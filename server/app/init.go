package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"vardag/internal/adminlog"
	"vardag/internal/identity"
	"vardag/internal/login"
	"vardag/internal/uuids"
)

// ErrNotBlank is a store that already holds a municipality or a user: `vardag init` only
// takes an empty one.
var ErrNotBlank = errors.New("app: the store already holds a municipality or users; init only runs on an empty data directory")

// FirstRun is what `vardag init` made.
type FirstRun struct {
	MunicipalityID string
	AdminID        string
	ActivationCode string
	ExpiresAt      time.Time
}

// Init creates, on a blank store, the municipality and its first administrator, who has no
// password yet: the returned activation code (72 h) lets them choose one and enrol their
// second factor. Both acts are in the audit trail, by adminlog.ByInit.
func (a *App) Init(ctx context.Context, municipality, adminUsername, adminName string) (FirstRun, error) {
	municipality = strings.TrimSpace(municipality)
	if municipality == "" || len(municipality) > 200 {
		return FirstRun{}, errors.New("app: -municipality NAME is required (at most 200 characters)")
	}
	if err := identity.CheckUsername(adminUsername); err != nil {
		return FirstRun{}, err
	}
	if err := identity.CheckName(adminName); err != nil {
		return FirstRun{}, err
	}
	blank, err := a.Identity.Blank()
	if err != nil {
		return FirstRun{}, err
	}
	if !blank {
		return FirstRun{}, ErrNotBlank
	}
	m := identity.Municipality{ID: uuids.New(), Name: municipality}
	if err := a.Identity.PutMunicipality(m); err != nil {
		return FirstRun{}, err
	}
	u, code, expires, err := a.Login.CreateAccount(login.NewAccount{ID: uuids.New(), Username: adminUsername,
		Name: strings.TrimSpace(adminName), MunicipalityID: m.ID, Admin: true})
	if err != nil {
		return FirstRun{}, err
	}
	if err := adminlog.Record(ctx, a.Engine, adminlog.Act{What: adminlog.WhatCreate, ByUserID: adminlog.ByInit, UserID: u.ID, Object: m.ID}); err != nil {
		return FirstRun{}, err
	}
	return FirstRun{MunicipalityID: m.ID, AdminID: u.ID, ActivationCode: code, ExpiresAt: expires}, nil
}
