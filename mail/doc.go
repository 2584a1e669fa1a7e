// Package mail defines e-mail messages as Mietwerk sends them, the
// Transport port that delivers them (SMTP, a file "keep" transport, …) with
// errors classified as permanent or temporary, and the pure retry policy
// the outbox worker follows. No network, SQL or templates here.
package mail
