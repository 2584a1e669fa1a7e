package fleet

import (
	"regexp"
	"strings"

	"mietwerk.dev/mietwerk/locale"
)

var plateRE = regexp.MustCompile(`^[A-ZÄÖÜ]{1,3}-[A-Z]{1,2} [1-9][0-9]{0,3}[EH]?$`)

// ValidPlate reports whether p is a German registration plate in the form
// "M-AB 1234" (district 1–3 letters, 1–2 letters, 1–4 digits, optional E/H).
func ValidPlate(p string) bool { return plateRE.MatchString(p) && len(p) <= 12 }

var vinValue = map[rune]int{
	'A': 1, 'B': 2, 'C': 3, 'D': 4, 'E': 5, 'F': 6, 'G': 7, 'H': 8,
	'J': 1, 'K': 2, 'L': 3, 'M': 4, 'N': 5, 'P': 7, 'R': 9,
	'S': 2, 'T': 3, 'U': 4, 'V': 5, 'W': 6, 'X': 7, 'Y': 8, 'Z': 9,
}

var vinWeight = [17]int{8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2}

// CheckVIN returns the catalog code of what is wrong with a vehicle
// identification number, or "".
// It checks length and alphabet (ISO 3779: 17 characters, no I, O or Q). The
// North-American check digit (position 9) is not mandatory in Europe, so it is
// not enforced; VINCheckDigit computes it for callers that want it.
func CheckVIN(vin string) locale.Key {
	if len(vin) != 17 {
		return "vehicle.vin_length"
	}
	if strings.ContainsAny(vin, "IOQ") {
		return "vehicle.vin_ioq"
	}
	for _, r := range vin {
		if !(r >= '0' && r <= '9') && !(r >= 'A' && r <= 'Z') {
			return "vehicle.vin_chars"
		}
	}
	return ""
}

// VINCheckDigit returns the ISO 3779 / North-American check digit of a
// well-formed VIN ('0'–'9' or 'X').
func VINCheckDigit(vin string) byte {
	sum := 0
	for i, r := range vin {
		v := 0
		if r >= '0' && r <= '9' {
			v = int(r - '0')
		} else {
			v = vinValue[r]
		}
		sum += v * vinWeight[i]
	}
	if m := sum % 11; m == 10 {
		return 'X'
	} else {
		return byte('0' + m)
	}
}
