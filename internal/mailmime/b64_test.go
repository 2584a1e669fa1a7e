package mailmime

import (
	"encoding/base64"
	"strings"
)

func decodeB64(b []byte) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), ""))
}
