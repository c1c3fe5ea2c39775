package identity

// Storage keeps the organisation (municipalities, providers, units), the accounts, their
// grants, the access reviews and the hardware tokens durably (in bbolt: boltstore.Identity,
// the id_* buckets). Store keeps units and grants in memory besides.
type Storage interface {
	// ViewIdentity runs fn in a read transaction.
	ViewIdentity(fn func(RecordsTx) error) error
	// UpdateIdentity runs fn in a write transaction, committed durably when fn returns nil
	// and not at all otherwise. Write transactions are serialised: what fn read is still
	// so when it commits.
	UpdateIdentity(fn func(RecordsTx) error) error
}

// RecordsTx is a transaction of a Storage. A getter answers ErrNotFound for a missing
// record; the Each functions visit in key order and their fn must not write.
type RecordsTx interface {
	Municipality(id string) (Municipality, error)
	PutMunicipality(m Municipality) error
	// AnyMunicipality tells whether a municipality is kept.
	AnyMunicipality() (bool, error)

	Provider(id string) (Provider, error)
	PutProvider(p Provider) error
	EachProvider(fn func(Provider) error) error

	Unit(id string) (Unit, error)
	PutUnit(u Unit) error
	EachUnit(fn func(Unit) error) error

	User(id string) (User, error)
	PutUser(u User) error
	EachUser(fn func(User) error) error
	// AnyUser tells whether a user is kept.
	AnyUser() (bool, error)
	// UserIDByUsername returns the id of the user with a username in lower case.
	UserIDByUsername(lower string) (string, error)
	// PutUsername keeps the lower-case username of user id.
	PutUsername(lower, id string) error

	PutGrant(g Grant) error
	// EachGrant visits every grant; EachGrantOf only those of a user.
	EachGrant(fn func(Grant) error) error
	EachGrantOf(userID string, fn func(Grant) error) error

	PutReview(r Review) error
	// LastReview returns the latest review of a unit (ok false: none).
	LastReview(unitID string) (r Review, ok bool, err error)

	Token(serial string) (HardwareToken, error)
	PutToken(t HardwareToken) error
}
