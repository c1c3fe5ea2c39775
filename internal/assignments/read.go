package assignments

import "vardag/syncengine"

// Get reads an assignment for another part of the domain (the implementation plan reads
// the measures it is made for): a fresh copy, never the engine's shared value.
func Get(tx *syncengine.Tx, id string) (Assignment, bool, error) { return get(tx, id) }
