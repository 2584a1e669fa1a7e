package invoice

import "math/bits"

// divRound returns a*b/c rounded half away from zero, for c > 0, computed in
// 128 bits so that no intermediate product overflows. The result must fit
// in an int64 (callers bound their inputs by Validate).
func divRound(a, b, c int64) int64 {
	neg := (a < 0) != (b < 0)
	ua, ub := abs64(a), abs64(b)
	hi, lo := bits.Mul64(ua, ub)
	uc := uint64(c)
	// add c/2 for rounding half up on the magnitude
	lo, carry := bits.Add64(lo, uc/2, 0)
	hi += carry
	q, _ := bits.Div64(hi, lo, uc)
	if neg {
		return -int64(q)
	}
	return int64(q)
}

func abs64(v int64) uint64 {
	if v < 0 {
		return uint64(-v)
	}
	return uint64(v)
}
