// Package auth holds the building blocks of login: password hashing, one-time codes, access tokens and refresh sessions.
package auth
