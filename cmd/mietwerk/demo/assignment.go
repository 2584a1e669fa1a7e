package demo

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
)

// signAssignment has customer c sign the assignment of claims of the
// insurer-paid reservation id (the contract page lists it with its
// documents); one signed already is left as it is.
func signAssignment(ctx context.Context, svc *contract.Service, id int64, c customer.Customer) error {
	if svc == nil {
		return nil
	}
	sig, err := demoSignature()
	if err != nil {
		return err
	}
	_, err = svc.SignAssignment(ctx, id, c.FirstName+" "+c.LastName, sig)
	if errs.Is(err, errs.KindConflict) {
		return nil
	}
	return err
}

// demoSignature is a drawn squiggle as a PNG, as the tablet's pad sends.
func demoSignature() ([]byte, error) {
	img := image.NewNRGBA(image.Rect(0, 0, 320, 90))
	ink := color.NRGBA{R: 20, G: 30, B: 90, A: 255}
	for x := 20; x < 300; x++ {
		y := 45 + int(22*math.Sin(float64(x)/14)*math.Cos(float64(x)/41))
		for d := -1; d <= 1; d++ {
			img.Set(x, y+d, ink)
		}
	}
	var b bytes.Buffer
	err := png.Encode(&b, img)
	return b.Bytes(), err
}
