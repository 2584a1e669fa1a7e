// Package testenv starts real external services for tests (a mailpit SMTP
// server with its HTTP API) and cleans them up with t.Cleanup. Under
// CI=true a missing service binary fails the test instead of skipping it.
package testenv
