package xrechnung

import (
	"math/big"
	"strconv"
	"strings"
)

// euros formats cents as a decimal euro amount with two decimals ("-12.05").
func euros(cents int64) string {
	neg := cents < 0
	u := uint64(cents)
	if neg {
		u = -u
	}
	s := strconv.FormatUint(u/100, 10) + "." + pad2(u%100)
	if neg {
		return "-" + s
	}
	return s
}

func pad2(v uint64) string {
	if v < 10 {
		return "0" + strconv.FormatUint(v, 10)
	}
	return strconv.FormatUint(v, 10)
}

// decimalMilli formats a value in thousandths without trailing zeros ("1.5", "3").
func decimalMilli(milli int64) string { return fixed(milli, 3, 0) }

// rate formats basis points as a percentage ("19", "7", "19.5").
func rate(bp int) string { return fixed(int64(bp), 2, 0) }

// fixed formats v/10^scale with at least minDec and at most scale decimals.
func fixed(v int64, scale, minDec int) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v, 10)
	for len(s) <= scale {
		s = "0" + s
	}
	ip, fp := s[:len(s)-scale], s[len(s)-scale:]
	for len(fp) > minDec && strings.HasSuffix(fp, "0") {
		fp = fp[:len(fp)-1]
	}
	out := ip
	if fp != "" {
		out += "." + fp
	}
	if neg && strings.Trim(out, "0.") != "" {
		return "-" + out
	}
	return out
}

// parseDecimal reads a plain decimal number ("-12.3", "19", "0.05") as an
// integer scaled by 10^scale. ok is false for anything else, and exact is
// false when it has more than scale decimals.
func parseDecimal(s string, scale int) (v int64, exact, ok bool) {
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	} else if strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	ip, fp, _ := strings.Cut(s, ".")
	if ip == "" && fp == "" || !digits(ip) || !digits(fp) || len(ip) > 15 {
		return 0, false, false
	}
	exact = true
	if len(fp) > scale {
		if strings.Trim(fp[scale:], "0") != "" {
			exact = false
		}
		fp = fp[:scale]
	}
	fp += strings.Repeat("0", scale-len(fp))
	n, err := strconv.ParseInt(ip+fp, 10, 64)
	if err != nil {
		return 0, false, false
	}
	if neg {
		n = -n
	}
	return n, exact, true
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// vatOf returns base × rateBP / 10000 rounded half away from zero, in cents.
func vatOf(baseCents, rateBP int64) int64 {
	p := new(big.Int).Mul(big.NewInt(baseCents), big.NewInt(rateBP))
	neg := p.Sign() < 0
	p.Abs(p)
	p.Add(p, big.NewInt(5000))
	p.Quo(p, big.NewInt(10000))
	if neg {
		p.Neg(p)
	}
	return p.Int64()
}
