package media_test

import (
	"image"
	"testing"

	"inkwell/media/mediatest"
)

// The fixtures live in mediatest, shared with the API tests.

const gpsMarker = mediatest.GPSMarker

func halves(w, h int) *image.RGBA                     { return mediatest.Halves(w, h) }
func encodeJPEG(t testing.TB, img image.Image) []byte { return mediatest.EncodeJPEG(t, img) }
func phoneJPEG(t testing.TB, w, h int) []byte         { return mediatest.PhoneJPEG(t, w, h) }
func jpegSegments(t testing.TB, b []byte) []byte      { return mediatest.JPEGSegments(t, b) }
func polyglot(t testing.TB) []byte                    { return mediatest.Polyglot(t) }
func bombPNG(t testing.TB, w, h int) []byte           { return mediatest.BombPNG(t, w, h) }
func webpWithEXIF(t testing.TB) []byte                { return mediatest.WebPWithEXIF(t) }
func smallGIF(t testing.TB) []byte                    { return mediatest.SmallGIF(t) }
func transparentPNG(t testing.TB, w, h int) []byte    { return mediatest.TransparentPNG(t, w, h) }
func mp4Head() []byte                                 { return mediatest.MP4Head() }
func webmHead() []byte                                { return mediatest.WebMHead() }
func animatedWebP(t testing.TB) []byte                { return mediatest.AnimatedWebP(t) }
