// Package signing holds signing lists (signeringslistor), delegations (delegeringar) and
// the signatures care staff make for each occurrence of a delegated measure.
//
// It is patient-safety code: a signature is a legal record and is never merged, edited or
// dropped. A second signature for the same occurrence is kept, flagged on the signature
// (double_signed, first_signature_id) and raised to the unit's nurse as a signing_alert.
//
// # Records and scopes
//
//   - signing_list (id list_id), unit:<client's unit>. Saving again replaces the list with
//     a new version: a list is a plan, not a legal signature.
//   - delegation (id delegation_id), user:<delegate> and unit:<unit>:managers. A revocation
//     is a new version with revoked_at, revoked_by and reason.
//   - signature (id signature_id), unit:<list's unit>.
//   - signing_occurrence (id uuids.Named("occ/<list>/<measure>/<due_at RFC3339 UTC>")),
//     unit:<unit>: the ids of every signature of one occurrence, in the order they came.
//   - signing_alert, unit:<unit>:managers (double signing) or unit:<unit>:managers and
//     unit:<unit> (missed). Its id is derived from the occurrence, so one occurrence has at
//     most one alert of each type. signing.follow_up (uppföljning, licensed staff of the
//     unit) sets its follow_up (who, when, comment); a further signature of a double
//     signing opens it again, follow_up_ids keeping the history.
//   - signing_follow_up (id follow_up_id), unit:<unit>: the nurse's follow-up of one
//     alert, so that every phone of the unit shows the occurrence as handled. No
//     signature is touched by it.
//   - Internal indexes, in scopes that no grant gives (so no phone ever receives them):
//     signing_schedule (id list_id) in system:signing:schedule, what RaiseMissed needs of
//     each list; signing_delegations (id user_id) in system:signing:delegations, the
//     delegations a user holds, so that a signature finds them with one read.
//
// # Time
//
// Measure times ("08:00") are Swedish wall-clock times (Europe/Stockholm), so a dose at
// 08:00 stays at 08:00 across daylight saving time. due_at is an instant; it is an
// occurrence of a time when it equals that time on its Stockholm date, and the occurrence
// key uses its UTC form, so "08:00+01:00" and "07:00Z" are one occurrence.
//
// Rules use the device's time (signed_at) bounded by the server's, and keep both:
//   - signed_at at most 10 minutes ahead of the server (phones' clocks drift) and at most
//     72 hours behind it (a phone offline over a weekend still delivers);
//   - signed_at at most 12 hours before due_at (earlier is another occurrence) and at most
//     48 hours after it (later documentation of a dose is not a field task);
//   - a delegation is valid for a signature when valid_from ≤ signed_at < valid_until and
//     its revocation has not reached the server before the signature did. A revocation on
//     the server stops every signature that arrives after it, whatever its signed_at says:
//     a device's clock cannot be trusted to place a signature before the revocation, and
//     with a 72-hour window for signed_at a revoked delegation would otherwise stay usable
//     for three days. A signature made offline before the revocation but arriving after it
//     is therefore refused (delegation_revoked); the phone keeps it in "needs attention",
//     and the nurse documents what was given;
//   - revoked_at, kept on the delegation, is the nurse's device time when that lies within
//     the last 24 hours (an offline revocation counts from when it was made), else the
//     server time; revoke_server_time is when the revocation reached the server.
//     Signatures already stored are never touched by it.
//
// Every mutation's client_time is bounded by the engine (syncengine.Options.OfflineLimit).
//
// # Missed occurrences
//
// RaiseMissed reads the schedule index in a read transaction (concurrent with pushes),
// finds occurrences of the last 24 hours due more than 60 minutes ago that have no
// occurrence record, then re-checks each one in the writer and stages one signing_alert
// per occurrence. "As needed" measures (prn, vid behov) have no occurrences to miss. An
// occurrence counts only from when its time was first planned (a time added at 10:00 does
// not raise a missed 08:00 of the same day). Entries of lists that ended more than a day
// ago are removed from the index.
package signing
