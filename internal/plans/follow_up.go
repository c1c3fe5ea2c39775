package plans

import (
	"encoding/json"

	"vardag/internal/codes"
	"vardag/internal/uuids"
	"vardag/syncengine"
)

// FollowUpArgs are the arguments of plan.follow_up (uppföljning) of an established plan.
type FollowUpArgs struct {
	PlanID         string `json:"plan_id"`
	FollowedUpOn   string `json:"followed_up_on"`
	Outcome        string `json:"outcome"`
	NextFollowUpBy string `json:"next_follow_up_by,omitempty"`
}

// EndArgs are the arguments of plan.end: the plan's end date (slutdatum), which may lie
// ahead, within the time of ending the client.
type EndArgs struct {
	PlanID string `json:"plan_id"`
	EndsOn string `json:"ends_on"`
}

func decodeFollowUp(raw json.RawMessage) (any, error) {
	var a FollowUpArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if !uuids.Valid(a.PlanID) {
		fields["plan_id"] = "must be the UUID of a plan"
	}
	on, okOn := date(a.FollowedUpOn, "followed_up_on", true, fields)
	if next, ok := date(a.NextFollowUpBy, "next_follow_up_by", false, fields); ok && okOn && !next.After(on) {
		fields["next_follow_up_by"] = "must be later than the follow-up"
	}
	a.Outcome = syncengine.TrimmedText(a.Outcome, "outcome", maxPartText, true, fields)
	if err := invalid("The follow-up is not complete.", fields); err != nil {
		return nil, err
	}
	return a, nil
}

func applyFollowUp(tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(FollowUpArgs)
	now := tx.Now()
	p, role, err := planFor(tx, c.Actor, a.PlanID, establishers, "Only the unit's coordinator or manager follows up a plan.")
	if err != nil {
		return err
	}
	on, _ := date(a.FollowedUpOn, "followed_up_on", true, map[string]string{})
	if err := notAfterToday(on, "followed_up_on", now); err != nil {
		return err
	}
	if p.EstablishedVersion == 0 {
		return syncengine.Reject(codes.PlanNotEstablished, "Only an established plan is followed up.")
	}
	if len(p.FollowUps) >= maxFollowUps {
		return syncengine.Reject(codes.InvalidArgs, "This plan has as many follow-ups as it can hold.")
	}
	p.FollowUps = append(p.FollowUps, FollowUp{FollowedUpOn: a.FollowedUpOn, Outcome: a.Outcome, NextFollowUpBy: a.NextFollowUpBy,
		Version: p.EstablishedVersion, By: c.Actor.UserID, Role: role, At: now})
	p.NextFollowUpBy, p.UpdatedAt = a.NextFollowUpBy, now
	return tx.Put(KindPlan, p.PlanID, scopes(p.UnitID), p)
}

func decodeEnd(raw json.RawMessage) (any, error) {
	var a EndArgs
	if err := syncengine.DecodeArgs(raw, &a); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	if !uuids.Valid(a.PlanID) {
		fields["plan_id"] = "must be the UUID of a plan"
	}
	date(a.EndsOn, "ends_on", true, fields)
	if err := invalid("The end of the plan is not complete.", fields); err != nil {
		return nil, err
	}
	return a, nil
}

func applyEnd(tx *syncengine.Tx, c syncengine.Call) error {
	a := c.Args.(EndArgs)
	p, _, err := planFor(tx, c.Actor, a.PlanID, establishers, "Only the unit's coordinator or manager ends a plan.")
	if err != nil {
		return err
	}
	p.EndsOn, p.EndedBy, p.UpdatedAt = a.EndsOn, c.Actor.UserID, tx.Now()
	return tx.Put(KindPlan, p.PlanID, scopes(p.UnitID), p)
}
