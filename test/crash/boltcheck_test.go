package crash

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// checkBolt opens the data file read-only (the server is dead) and returns every error
// bbolt's consistency check finds: pages freed twice, unreachable or out of order keys.
func checkBolt(path string) []string {
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
	if err != nil {
		return []string{"open: " + err.Error()}
	}
	defer db.Close()
	var errs []string
	err = db.View(func(tx *bolt.Tx) error {
		for e := range tx.Check() {
			errs = append(errs, e.Error())
		}
		return nil
	})
	if err != nil {
		errs = append(errs, err.Error())
	}
	return errs
}
