// Package codes is the catalogue of every error code the server answers: the codes of
// HTTP errors (`{"error": {"code", "message"}}`) and of rejected mutations (a push
// result's `error.code`). Codes are stable (API.md); messages may change. Nothing outside
// this file writes a code as a literal: a contract test (test/contract) keeps the
// catalogue, docs/openapi.yaml and the phone app's message files (mobileweb/static/i18n)
// in step, so that every code a phone can meet has Swedish and English words.
package codes

// Codes any route can answer: the request itself.
const (
	InvalidJSON          = "invalid_json"           // 400: the body is not JSON
	InvalidRequest       = "invalid_request"        // 400: a field or parameter is missing or wrong
	NotFound             = "not_found"              // 404: no such route
	MethodNotAllowed     = "method_not_allowed"     // 405: the route does not take that method
	RequestTimeout       = "request_timeout"        // 408: the request took too long to arrive
	BodyTooLarge         = "body_too_large"         // 413
	UnsupportedEncoding  = "unsupported_encoding"   // 415: a Content-Encoding other than one gzip
	UnsupportedMediaType = "unsupported_media_type" // 415: a Content-Type the route does not take
	HeadersTooLarge      = "headers_too_large"      // 431
	InternalError        = "internal_error"         // 500 (and a mutation the server failed to apply)
	DamagedRecord        = "damaged_record"         // 500: a record a pull would send is damaged on disk
	Unavailable          = "unavailable"            // 503: stopping, or cannot write right now
	Busy                 = "busy"                   // 503: every password check is taken; retry after a few seconds
)

// Login, sessions and the gates before a user's data.
const (
	Unauthenticated        = "unauthenticated"
	TokenExpired           = "token_expired"
	SessionExpired         = "session_expired"
	RefreshTokenReused     = "refresh_token_reused"
	InvalidCredentials     = "invalid_credentials"
	InvalidCode            = "invalid_code"
	CodeAlreadyUsed        = "code_already_used"
	TooManyAttempts        = "too_many_attempts"
	TooManyRequests        = "too_many_requests" // the per-address limit
	TooManySMS             = "too_many_sms"
	SMSUnavailable         = "sms_unavailable"
	MethodNotAvailable     = "method_not_available"
	AccountLocked          = "account_locked"
	DeviceRevoked          = "device_revoked"
	DeviceMismatch         = "device_mismatch"
	TermsNotAccepted       = "terms_not_accepted"
	TermsChanged           = "terms_changed"
	PasswordChangeRequired = "password_change_required"
	PasswordRejected       = "password_rejected"
	WrongPassword          = "wrong_password"
	NoEnrolment            = "no_enrolment"
	// TrainingRequired: a function closed until the user's training is recorded; an HTTP
	// answer and a mutation rejection alike.
	TrainingRequired = "training_required"
)

// Administration of accounts, tokens and the read log.
const (
	Forbidden              = "forbidden" // 403, and a mutation beyond the caller's role
	NotYourself            = "not_yourself"
	UserNotFound           = "user_not_found"
	SessionNotFound        = "session_not_found"
	TokenNotFound          = "token_not_found"
	TokenBound             = "token_bound"
	TokenOfAnotherProvider = "token_of_another_provider"
	InvalidTokenFile       = "invalid_token_file"
	ClientNotFound         = "client_not_found"
	// ClientNotInUnit: the integration delivered an assignment for a client of another
	// unit (or municipality).
	ClientNotInUnit = "client_not_in_unit"
	// ClientNotReceived: an assignment names its client by a personal number that the
	// integration has not delivered (POST /api/v1/integration/clients).
	ClientNotReceived = "client_not_received"
)

// Putting accounts into service: creating them, importing a unit's staff, activation.
// The field codes (invalid_username …) are also the messages of an import's line errors.
const (
	// InvalidActivationCode: 401, the same for an unknown username, a wrong, expired,
	// spent or voided code.
	InvalidActivationCode = "invalid_activation_code"
	UsernameTaken         = "username_taken"     // 409, and an import line whose username exists
	InvalidUsername       = "invalid_username"   // 400: 3–32 characters of a–z, 0–9, . _ -
	InvalidName           = "invalid_name"       // 400: a name is required
	InvalidPhone          = "invalid_phone"      // 400: E.164, such as +46701234567
	DuplicateUsername     = "duplicate_username" // an import line repeats a username of the file
	CSVFormulaCell        = "csv_formula_cell"   // an import cell starts with = + - @ (a spreadsheet formula)
	CSVColumns            = "csv_columns"        // an import line has not 2 or 3 fields
	ImportEmpty           = "import_empty"       // the file holds no line
	ImportTooManyLines    = "import_too_many_lines"
	InvalidCSV            = "invalid_csv" // 400: the file is not semicolon-separated UTF-8 text
)

// Sync.
const (
	MutationGap      = "mutation_gap"
	InvalidCursor    = "invalid_cursor"
	CursorExpired    = "cursor_expired"
	TooManyStreams   = "too_many_streams" // 429: the device or user holds as many live streams as it may
	ServerBusy       = "server_busy"      // 503: the server holds as many live streams as it can
	UnknownMutation  = "unknown_mutation"
	MutationIDReused = "mutation_id_reused"
	InvalidArgs      = "invalid_args" // a mutation's arguments are missing or malformed; `fields` names them
	// InvalidText: a text in a mutation's arguments holds a control character other than
	// line feed and tab, or is not valid Unicode.
	InvalidText = "invalid_text"
	// DuplicateField: one object of a mutation's arguments names a field twice.
	DuplicateField = "duplicate_field"
	// InvalidClientTime: a mutation's client_time lies too far ahead of the server's clock,
	// or further back than a phone keeps its changes.
	InvalidClientTime = "invalid_client_time"
)

// Web push.
const (
	PushUnavailable     = "push_unavailable"
	InvalidSubscription = "invalid_subscription"
	PushEndpointTaken   = "push_endpoint_taken" // 409: the endpoint belongs to another device
)

// The care rules: why a mutation is rejected (or, for a record that is already there, a
// conflict).
const (
	AssignmentNotFound       = "assignment_not_found"
	AssignmentNotDistributed = "assignment_not_distributed"
	AssignmentOutdated       = "assignment_outdated"
	AssignmentUnitChanged    = "assignment_unit_changed"
	AssignmentClientChanged  = "assignment_client_changed"
	MeasureNotFound          = "measure_not_found" // assignment.end: no such measure in the assignment
	MeasureEnded             = "measure_ended"     // assignment.end: already ended with another date or reason
	EndReasonUnknown         = "end_reason_unknown"
	EndBeforeStart           = "end_before_start"
	UnitNotFound             = "unit_not_found"
	NoteNotFound             = "note_not_found"
	NoteExists               = "note_exists"
	CorrectionExists         = "correction_exists"
	JournalNotFound          = "journal_not_found"
	JournalClosed            = "journal_closed"
	ListNotFound             = "list_not_found"
	SignatureExists          = "signature_exists"
	NoDelegation             = "no_delegation"
	DelegationNotFound       = "delegation_not_found"
	DelegationExists         = "delegation_exists"
	DelegationRevoked        = "delegation_revoked"
	DeviationNotFound        = "deviation_not_found"
	DeviationExists          = "deviation_exists"
	DeviationClosed          = "deviation_closed"
	MessageNotFound          = "message_not_found"
	NotARecipient            = "not_a_recipient"
	BulletinExists           = "bulletin_exists"
	BulletinNotFound         = "bulletin_not_found"
	NothingToFollowUp        = "nothing_to_follow_up" // no double or missed signing with that id in the user's units
	AlreadyFollowedUp        = "already_followed_up"  // conflict: the signing alert is already followed up
)

// The implementation plan (genomförandeplan, issue 16).
const (
	PlanNotFound        = "plan_not_found"        // the plan is in none of the caller's units, or nowhere
	PlanExists          = "plan_exists"           // the plan id is another assignment's plan
	PlanMeasureUnknown  = "plan_measure_unknown"  // a part names a measure that is not in the assignment
	PlanEstablished     = "plan_established"      // the version is established and read-only; save the next
	PlanVersionConflict = "plan_version_conflict" // the draft is for another version than the plan's
	PlanNoDraft         = "plan_no_draft"         // nothing to establish: the current version is established
	PlanNotEstablished  = "plan_not_established"  // a follow-up of a plan never established
	PlanEnded           = "plan_ended"            // the plan has an end date and takes no more changes
)

// The organisation, grants and access reviews (issue 14).
const (
	ProviderNotFound    = "provider_not_found"     // 404
	ProviderEnded       = "provider_ended"         // 409: the provider has ended (or ends at a date already set)
	ProviderHasOpenWork = "provider_has_open_work" // 409: deviations or journals still open; they are listed
	OrgNumberTaken      = "org_number_taken"       // 409: another private provider has this organisationsnummer
	InvalidOrgNumber    = "invalid_org_number"     // 400: not an organisationsnummer (NNNNNN-NNNN, Luhn check digit)
	InvalidParentUnit   = "invalid_parent_unit"    // 400: the parent is not a unit of the same provider, or is a sub-unit
	InvalidValidUntil   = "invalid_valid_until"    // 400: not in the future, more than a year ahead, or (extend) not later
	GrantNotFound       = "grant_not_found"        // 404
	GrantExists         = "grant_exists"           // 409: the user already holds (or awaits) this role in this unit
	GrantNotPending     = "grant_not_pending"      // 409: only a pending grant is approved or rejected
	GrantNotActive      = "grant_not_active"       // 409: only an active grant is extended or ended
	AlreadyApproved     = "already_approved"       // 409: the caller's units have approved this grant already
	ReviewIncomplete    = "review_incomplete"      // 400: an active grant is in neither keep nor end; `missing` lists them
)
