package fleet

import (
	"testing"

	"mietwerk.dev/mietwerk/errs"
)

func TestSniffPhoto(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		want string // "" = refused as invalid
	}{
		{"jpeg", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF"), "image/jpeg"},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "image/png"},
		{"webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 "), "image/webp"},
		{"riff but not webp", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), ""},
		{"gif", []byte("GIF89a\x01\x00"), ""},
		{"pdf", []byte("%PDF-1.4"), ""},
		{"empty", nil, ""},
		{"too large", append([]byte("\xFF\xD8\xFF"), make([]byte, MaxPhotoBytes)...), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := SniffPhoto(c.data)
			if got != c.want || (c.want == "") != errs.Is(err, errs.KindInvalid) {
				t.Fatalf("SniffPhoto = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}
