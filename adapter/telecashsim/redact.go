package telecashsim

import "strings"

// logPath is the request path as logged: the token of a
// /payment-tokens/{id} path is replaced with "[token]", like the adapter does.
func logPath(p string) string {
	const prefix = "/payment-tokens/"
	if i := strings.Index(p, prefix); i >= 0 {
		return p[:i+len(prefix)] + "[token]"
	}
	return p
}
