package fleet_test

import (
	"bytes"
	"context"
	"image"
	_ "image/png"
	"runtime"
	"sync"
	"testing"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/fleet/fleettest"
)

// TestBombPNGIsValid: the bomb is a real PNG (decodes), so refusing it
// from the header is what saves the memory.
func TestBombPNGIsValid(t *testing.T) {
	img, _, err := image.Decode(bytes.NewReader(fleettest.PNGBomb16(300)))
	if err != nil || img.Bounds().Dx() != 300 {
		t.Fatalf("bomb does not decode: %v", err)
	}
}

// TestPhotoBombRefusedCheaply: a 7000×7000 16-bit RGBA PNG under 1 MB
// (49 megapixels, below the pixel limit, 392 MB decoded) is refused from
// its header, allocating a few MB instead of hundreds.
func TestPhotoBombRefusedCheaply(t *testing.T) {
	bomb := fleettest.PNGBomb16(7000)
	if len(bomb) > fleet.MaxPhotoBytes {
		t.Fatalf("bomb is %d bytes", len(bomb))
	}
	t.Logf("bomb: %d KB", len(bomb)>>10)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := fleet.Prepare(bomb)
	runtime.ReadMemStats(&after)
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "photos" {
		t.Fatalf("bomb: want KindInvalid on photos, got %v", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("refusing the bomb allocated %d MB", alloc>>20)
	}
	if _, err := fleet.ReadHeader(bomb); err == nil {
		t.Error("ReadHeader accepts the bomb")
	}
}

// TestDecodeEstimates: the header's estimate covers what decoding takes
// for baseline and progressive JPEG, PNG and interlaced formats, and
// refuses a 16-bit PNG of 26 megapixels (208 MB) while a 50-megapixel
// 4:2:0 JPEG header passes.
func TestDecodeEstimates(t *testing.T) {
	h, err := fleet.ReadHeader(encode(t, "jpeg", 640, 480))
	if err != nil || h.Width != 640 || h.DecodeBytes < 640*480*3/2 || h.DecodeBytes > 640*480*3 {
		t.Errorf("baseline jpeg header: %+v %v", h, err)
	}
	if _, err := fleet.ReadHeader(fleettest.PNGBomb16(5100)); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("26 MP 16-bit PNG: want refused, got %v", err)
	}
	if h, err := fleet.ReadHeader(fleettest.PNGBomb16(1000)); err != nil || h.DecodeBytes != 8_000_000 {
		t.Errorf("1 MP 16-bit PNG: %+v %v", h, err)
	}
}

// TestDecoderBoundsMemory: many concurrent photo uploads never hold more
// than the decoder's budget at once, and every one is decoded.
func TestDecoderBoundsMemory(t *testing.T) {
	d := fleet.NewDecoder(0)           // the smallest budget: MaxDecodeBytes
	photo := fleettest.PNGBomb16(3000) // 72 MB decoded: two fit, three do not
	var wg sync.WaitGroup
	errc := make(chan error, 6)
	for i := 0; i < 6; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := d.Prepare(context.Background(), photo)
			errc <- err
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	if d.Decodes() != 6 {
		t.Errorf("decodes: %d", d.Decodes())
	}
	if d.PeakBytes() > d.Budget() || d.PeakBytes() > 2*72_000_000 {
		t.Errorf("peak %d MB held at once, budget %d MB", d.PeakBytes()>>20, d.Budget()>>20)
	}
}
